// A session started outside the repository (in the folder that holds the worktrees, or in another
// repository) is handled in the repository of the files it works on by every hook, not only by
// the edit's: a Bash command writing a held file is denied and one writing a free file leases it
// there, what a command changed is leased there afterwards, the turn's end releases there the
// leases whose change is committed, and the session's end releases there everything.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './support/cli';
import { makeFaultRepo, type FaultRepo } from './support/faults';
import { fixture, runHook } from './support/hooks';

/** The session's leases and whether it is ended, as `status --json --all` shows them. */
function leasesOf(repo: FaultRepo, session: string): string[] {
  const status = JSON.parse(runCli(['status', '--json'], { cwd: repo.root, env: repo.hookEnv }).stdout) as {
    leases: Array<{ pattern: string; sessionId: string }>;
  };
  return status.leases
    .filter((lease) => lease.sessionId === session)
    .map((lease) => lease.pattern)
    .sort();
}

function hook(repo: FaultRepo, event: string, name: string, session: string, cwd: string, overrides: Record<string, unknown> = {}) {
  return runHook(event, fixture(name, repo.root, session, { cwd, ...overrides }), { env: repo.hookEnv, cwd });
}

for (const where of ['the folder holding the worktrees', 'another repository'] as const) {
  test(`a session started in ${where}: Bash, PostToolUse, Stop and SessionEnd act in the repository of its files`, (t) => {
    const repo = makeFaultRepo(t);
    assert.equal(runCli(['claim', '--as', 'bob', 'src/held.ts'], { cwd: repo.root, env: repo.hookEnv }).status, 0);
    let cwd = repo.base;
    if (where === 'another repository') {
      cwd = join(repo.base, 'other-repo');
      mkdirSync(cwd);
      execFileSync('git', ['init', '-q'], { cwd, env: repo.env });
    }
    const session = 'outside';
    const file = (path: string) => join(repo.root, path);

    const bash = (command: string) => hook(repo, 'pre-tool-use', 'pre-tool-use.bash', session, cwd, { tool_input: { command, description: 'write' } });
    const denied = bash(`printf 'x\\n' > ${file('src/held.ts')}`);
    assert.equal(denied.json?.hookSpecificOutput?.permissionDecision, 'deny', denied.stdout + denied.stderr);
    const granted = bash(`printf 'x\\n' > ${file('src/shell.ts')}`);
    assert.deepEqual([granted.status, granted.stdout], [0, ''], granted.stderr);
    assert.deepEqual(leasesOf(repo, session), ['src/shell.ts'], 'the Bash write is leased in the repository it writes to');
    writeFileSync(file('src/shell.ts'), 'x\n');

    const edit = repo.edit(session, file('src/edited.ts'), { cwd });
    assert.deepEqual([edit.status, edit.stdout], [0, ''], edit.stderr);
    writeFileSync(file('src/edited.ts'), 'x\n');

    writeFileSync(file('src/by-command.ts'), 'x\n');
    const after = hook(repo, 'post-tool-use', 'post-tool-use.bash', session, cwd, {
      tool_input: { command: './generate.sh', description: 'generate' },
      duration_ms: 500,
    });
    assert.equal(after.status, 0, after.stderr);
    assert.deepEqual(leasesOf(repo, session), ['src/by-command.ts', 'src/edited.ts', 'src/shell.ts'], 'what the command changed is leased there too');

    repo.git(['add', 'src/edited.ts']);
    repo.git(['commit', '-q', '-m', 'edited']);
    const stop = hook(repo, 'stop', 'stop', session, cwd);
    assert.equal(stop.status, 0, stop.stderr);
    assert.deepEqual(leasesOf(repo, session), ['src/by-command.ts', 'src/shell.ts'], 'the turn end released the committed file, kept the pending ones');

    const end = hook(repo, 'session-end', 'session-end', session, cwd, { reason: 'other' });
    assert.equal(end.status, 0, end.stderr);
    assert.deepEqual(leasesOf(repo, session), [], 'the session end released everything');
    assert.deepEqual(leasesOf(repo, 'bob'), ['src/held.ts']);
  });
}
