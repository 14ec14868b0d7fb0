// Real repositories for the commit guard tests: the compiled agent-lease binary where a project
// install would put it, husky linked in as a dependency, sessions of other live processes holding
// leases in the repository's own store, and real `git commit`s.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installGuard } from '../../lib/guard/install';
import { acquire, type AcquireOptions } from '../../lib/core/acquire';
import { identify } from '../../lib/core/processes';
import { registerSession } from '../../lib/core/sessions';
import { readableBin } from './readable-install';
import { openStore } from '../../lib/core/sqlite';
import type { Store } from '../../lib/core/store';
import { isolateGitInThisProcess, makeRepo, type TempRepo } from './git-repo';

const PROJECT = resolve(__dirname, '..', '..');

/** Variables of the machine running the tests that would change who the guard thinks commits. */
const LEAKY = [
  'AGENT_LEASE_SESSION',
  'CLAUDE_CODE_SESSION_ID',
  'CLAUDE_PID',
  'CLAUDECODE',
  'AGENT_LEASE_BYPASS',
  'AGENT_LEASE_DB',
  'HUSKY',
  'GIT_DIR',
  'GIT_INDEX_FILE',
  'GIT_WORK_TREE',
];

export interface GuardRepo extends TempRepo {
  storePath: string;
  /** Opens the repository's store (creating it), closed by cleanup. */
  store(): Store;
  /** Runs `git commit <args>` in `cwd` (the main worktree by default), as user `uid` if given; never throws. */
  commit(args: string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv; uid?: number }): { status: number | null; stderr: string; stdout: string };
  /** Lets another live session (a real process) hold `patterns`. */
  hold(id: string, patterns: string[], options?: AcquireOptions & { worktree?: string; branch?: string; name?: string }): Promise<void>;
  /** Puts an `agent-lease` launcher for the compiled binary in `<dir>/node_modules/.bin`. */
  installBinary(dir?: string): string;
  /** Makes husky a dependency of the worktree at `dir`, as `npm install` would. */
  linkHusky(dir?: string): void;
  readonly children: ChildProcess[];
}

export function makeGuardRepo(options: { commit?: boolean } = {}): GuardRepo {
  const repo = makeRepo(options);
  for (const name of LEAKY) delete repo.env[name];
  repo.env.USER = 'carol';
  repo.write('.gitignore', 'node_modules\n');
  repo.git(['add', '.gitignore']);
  const storePath = join(repo.root, '.git', 'agent-lease', 'state.db');
  const children: ChildProcess[] = [];
  let store: Store | undefined;
  const open = (): Store => (store ??= openStore({ path: storePath }));
  return {
    ...repo,
    storePath,
    children,
    store: open,
    commit(args, { cwd = repo.root, env = {}, uid } = {}) {
      const as = uid === undefined ? {} : { uid, gid: uid };
      const result = spawnSync('git', ['commit', ...args], { cwd, env: { ...repo.env, ...env }, encoding: 'utf8', timeout: 60_000, ...as });
      return { status: result.status, stderr: result.stderr, stdout: result.stdout };
    },
    async hold(id, patterns, { worktree, branch, name, ...acquireOptions } = {}) {
      const child = spawn('sleep', ['600'], { stdio: 'ignore' });
      children.push(child);
      const identity = identify(child.pid!);
      if (identity === null) throw new Error('could not identify the holder process');
      await registerSession(open(), { id, name: name ?? id, runtime: 'claude-code', worktree: worktree ?? null, branch: branch ?? null, process: identity });
      const result = await acquire(open(), id, patterns, acquireOptions);
      if (!result.ok) throw new Error(`${id} could not lease ${patterns.join(', ')}`);
    },
    installBinary: (dir = repo.root) => installLauncher(dir),
    linkHusky(dir = repo.root) {
      mkdirSync(join(dir, 'node_modules'), { recursive: true });
      symlinkSync(join(PROJECT, 'node_modules', 'husky'), join(dir, 'node_modules', 'husky'));
    },
    cleanup() {
      for (const child of children) child.kill('SIGKILL');
      void store?.close();
      repo.cleanup();
    },
  };
}

/** Puts an `agent-lease` launcher for the compiled binary in `<dir>/node_modules/.bin`, as npm would. */
export function installLauncher(dir: string): string {
  const bin = join(dir, 'node_modules', '.bin');
  mkdirSync(bin, { recursive: true });
  const launcher = join(bin, 'agent-lease');
  writeFileSync(launcher, `#!/bin/sh\nexec "${process.execPath}" "${readableBin()}" "$@"\n`);
  chmodSync(launcher, 0o755);
  return launcher;
}

/**
 * A repository where the commit guard runs: the binary where npm puts it, the guard installed in
 * `.git/hooks`, and `files` written and committed (only written with `commit: false`). Points HOME
 * at the repository, for the git that installGuard runs in this process.
 */
export function makeGuardedRepo(files: string[], options: { commit?: boolean } = {}): GuardRepo {
  const repo = makeGuardRepo(options);
  isolateGitInThisProcess(repo.base);
  repo.installBinary();
  installGuard(repo.root);
  for (const file of files) repo.write(file);
  if (options.commit !== false) {
    repo.git(['add', '.']);
    repo.git(['commit', '-q', '-m', 'base']);
  }
  return repo;
}

/** husky linked in as a dependency and run in the main worktree, as `npm install` would: core.hooksPath=.husky/_ (relative). */
export function runHusky(repo: TempRepo): void {
  mkdirSync(join(repo.root, 'node_modules'), { recursive: true });
  symlinkSync(join(PROJECT, 'node_modules', 'husky'), join(repo.root, 'node_modules', 'husky'));
  repo.write('package.json', '{ "name": "app", "devDependencies": { "husky": "^9.1.7" } }\n');
  const result = spawnSync(process.execPath, [join(repo.root, 'node_modules', 'husky', 'bin.js')], { cwd: repo.root, env: repo.env, encoding: 'utf8' });
  if (result.status !== 0 || result.stdout !== '') throw new Error(`husky failed: ${result.stdout}${result.stderr}`);
}

/** Sets the repository up the way a husky project is: husky ran in the main worktree, with a user hook. */
export function setUpHusky(repo: GuardRepo, userHook = 'echo "user hook ran"\n'): void {
  runHusky(repo);
  repo.write('.husky/pre-commit', userHook);
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'husky']);
}
