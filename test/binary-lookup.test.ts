// The agent-lease binary is looked up three times: by the Claude Code hook command (shell), by the
// commit guard's block (shell) and by resolveHookBinary (TypeScript, what `init` and `doctor`
// report). Run for real in a repository with a linked worktree, with the binary in every
// combination of places, the three must pick the same file, or all find none.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { hookScript } from '../lib/claude/hook-commands';
import { resolveHookBinary } from '../lib/claude/inspect';
import { guardBlock } from '../lib/guard/script';
import { makeRepo } from './support/git-repo';

type Place = 'worktree' | 'main worktree' | 'PATH';
const PLACES: readonly Place[] = ['worktree', 'main worktree', 'PATH'];

interface Found {
  /** The binary that ran (or would run), as an absolute real path; null when there was none. */
  binary: string | null;
  /** What was said when there was none. */
  stderr: string;
}

/** Runs `script` with `sh -c`; a stand-in binary prints the path it was started as. */
function runShell(script: string, cwd: string, env: NodeJS.ProcessEnv): { status: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync('/bin/sh', ['-c', script], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    return { status: 0, stdout, stderr: '' };
  } catch (error) {
    const failed = error as { status: number | null; stdout?: string; stderr?: string };
    return { status: failed.status ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function found(run: { status: number; stdout: string; stderr: string }, cwd: string): Found {
  if (run.status !== 0) return { binary: null, stderr: run.stderr };
  const started = run.stdout.trim();
  return { binary: realpathSync(resolve(cwd, started)), stderr: run.stderr };
}

function standInBinary(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, '#!/bin/sh\nprintf "%s\\n" "$0"\n');
  chmodSync(file, 0o755);
}

test("the hook command, the commit guard and resolveHookBinary pick the same binary: the worktree's, else the main worktree's, else the one on PATH", () => {
  const repo = makeRepo();
  try {
    const linked = repo.addWorktree('wt-linked');
    // A PATH with git on it and, in `pathBin`, the binary when a case puts it there.
    const gitBin = join(repo.base, 'git-bin');
    mkdirSync(gitBin);
    symlinkSync(execFileSync('/bin/sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim(), join(gitBin, 'git'));
    const pathBin = join(repo.base, 'path-bin');
    // init's hook script, run with the handler's arguments.
    const script = join(repo.base, 'agent-lease.sh');
    writeFileSync(script, hookScript('project'), { mode: 0o755 });
    mkdirSync(pathBin);
    // The guard looks for the binary only where agent-lease has a store (or had one: its marker).
    mkdirSync(join(repo.root, '.git', 'agent-lease'));
    writeFileSync(join(repo.root, '.git', 'agent-lease', 'state.db.created'), '');

    const file = (place: Place, from: string): string =>
      place === 'PATH' ? join(pathBin, 'agent-lease') : join(place === 'worktree' ? from : repo.root, 'node_modules', '.bin', 'agent-lease');

    for (const [vantage, from] of [
      ['a linked worktree', linked],
      ['the main worktree', repo.root],
    ] as const) {
      for (let mask = 0; mask < 2 ** PLACES.length; mask++) {
        const present = PLACES.filter((_, index) => (mask >> index) & 1);
        for (const place of PLACES) rmSync(file(place, linked), { force: true });
        for (const place of present) standInBinary(file(place, from));
        const expected = PLACES.map((place) => file(place, from)).find((path) => existsSync(path)) ?? null;
        const label = `from ${vantage}, binary in: ${present.join(', ') || 'nowhere'}`;

        const env: NodeJS.ProcessEnv = { HOME: repo.base, GIT_CONFIG_NOSYSTEM: '1', PATH: `${pathBin}:${gitBin}`, CLAUDE_PROJECT_DIR: from };
        const hook = found(runShell(`'${script}' hook stop`, from, env), from);
        const guard = found(runShell(guardBlock(), from, env), from);
        const resolved = resolveHookBinary(from, env).path;

        assert.equal(hook.binary, expected === null ? null : realpathSync(expected), `hook command, ${label}`);
        assert.equal(guard.binary, hook.binary, `commit guard, ${label}`);
        assert.equal(resolved === null ? null : realpathSync(resolved), hook.binary, `resolveHookBinary, ${label}`);
        if (expected === null) {
          assert.match(hook.stderr, /^agent-lease is not installed \(looked in /, label);
          assert.match(guard.stderr, /commit refused: the guard cannot run: no agent-lease binary in /, label);
        }
      }
    }
  } finally {
    repo.cleanup();
  }
});
