// What the fault tests share: a repository where the commit guard is installed and sessions lease
// files through the compiled hooks, and the checks that an answer is one clear line, not a crash.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { makeGuardedRepo, type GuardRepo } from './guard';
import { fixture, hookEnv, runHook, type HookRun, type HookRunOptions } from './hooks';

/**
 * The user the tests run a process as when it must be refused a write: root writes anywhere, so a
 * test running as root plays "nobody" (65534); anyone else is refused by permissions already.
 */
export const UNPRIVILEGED_UID = process.getuid?.() === 0 ? 65534 : undefined;

export interface FaultRepo extends GuardRepo {
  /** The environment of a hook or a command in this repository. */
  hookEnv: NodeJS.ProcessEnv;
  /** The directory holding the store. */
  storeDir: string;
  /** PreToolUse for a Write of `file` (relative to `cwd`, the main worktree by default) by `session`. */
  edit(session: string, file: string, options?: Partial<HookRunOptions> & { cwd?: string }): HookRun;
  /** `git add` of `files` with new content, ready for a commit. */
  stage(...files: string[]): void;
}

/** A repository with the commit guard installed and the compiled binary where npm would put it. */
export function makeFaultRepo(t: TestContext, options: { commit?: boolean } = {}): FaultRepo {
  const repo = makeGuardedRepo(['src/held.ts', 'src/free.ts'], options);
  t.after(() => repo.cleanup());
  const env = hookEnv(repo.env);
  return Object.assign(repo, {
    hookEnv: env,
    storeDir: join(repo.root, '.git', 'agent-lease'),
    edit(session: string, file: string, { cwd = repo.root, ...runOptions }: Partial<HookRunOptions> & { cwd?: string } = {}) {
      const input = fixture('pre-tool-use.write', repo.root, session, {
        cwd,
        tool_input: { file_path: file.startsWith('/') ? file : join(cwd, file), content: 'x\n' },
      });
      return runHook('pre-tool-use', input, { env, cwd, ...runOptions });
    },
    stage(...files: string[]) {
      for (const file of files) repo.write(file, `${Math.random()}\n`);
      repo.git(['add', '--', ...files]);
    },
  });
}

/**
 * Makes the store directory and its files read-only for `UNPRIVILEGED_UID` (who then owns the whole
 * repository, as the user working in it would), or for the current user.
 */
export function makeStoreReadOnly(repo: FaultRepo): void {
  if (UNPRIVILEGED_UID !== undefined) {
    chmodSync(repo.base, 0o755);
    chownTree(repo.base, UNPRIVILEGED_UID);
    // git refuses a repository another user owns; the test's own git commands run as root.
    const trustAll = { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'safe.directory', GIT_CONFIG_VALUE_0: '*' };
    Object.assign(repo.env, trustAll);
    Object.assign(repo.hookEnv, trustAll);
  }
  const files = readdirSync(repo.storeDir).map((name) => join(repo.storeDir, name));
  for (const file of files) chmodSync(file, 0o444);
  chmodSync(repo.storeDir, 0o555);
  const cleanup = repo.cleanup;
  repo.cleanup = () => {
    chmodSync(repo.storeDir, 0o755);
    cleanup();
  };
}

function chownTree(path: string, uid: number): void {
  chownSync(path, uid, uid);
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid);
}

/** Neither a signal (a crash, or killed for hanging) nor a stack trace; a failure says what in one line. */
export function assertNoCrash(result: { status: number | null; stderr: string; signal?: NodeJS.Signals | null }, label: string): void {
  assert.equal(result.signal ?? null, null, `${label}: ended by a signal: ${result.stderr}`);
  assert.notEqual(result.status, null, label);
  assert.doesNotMatch(result.stderr, /^\s+at /m, `${label}: a stack trace`);
  assert.doesNotMatch(result.stderr, /internal error/, `${label}: reported as a bug`);
}

/** A hook that told the user `problem` and let the tool call go ahead (no decision). */
export function assertWarned(run: HookRun, problem: RegExp, label: string): void {
  assertNoCrash(run, label);
  assert.equal(run.status, 0, `${label}: ${run.stderr}`);
  assert.equal(run.json?.hookSpecificOutput?.permissionDecision, undefined, `${label}: no decision`);
  assert.match(run.json?.systemMessage ?? '', problem, label);
}

/** A PreToolUse hook that denied the edit because of `problem`, and told the user too. */
export function assertDenied(run: HookRun, problem: RegExp, label: string): void {
  assertNoCrash(run, label);
  assert.equal(run.status, 0, `${label}: ${run.stderr}`);
  assert.equal(run.json?.hookSpecificOutput?.permissionDecision, 'deny', label);
  assert.match(run.json?.hookSpecificOutput?.permissionDecisionReason ?? '', problem, label);
}

/** An error of the command line: exit 2 and one line naming `problem`. */
export function assertOneLineError(result: { status: number | null; stderr: string; signal?: NodeJS.Signals | null }, problem: RegExp, label: string): void {
  assertNoCrash(result, label);
  assert.equal(result.status, 2, `${label}: ${result.stderr}`);
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, `${label}: one line, got ${JSON.stringify(result.stderr)}`);
  assert.match(result.stderr.trimEnd(), problem, label);
}
