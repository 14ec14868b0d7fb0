// Runs the compiled CLI as a process in throwaway git repositories: every test gets its own temp
// dir, HOME and git config, and an environment without any agent-lease or Claude Code identity.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const BIN = resolve(__dirname, '..', 'dist', 'bin', 'agent-lease.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

export interface TestRepo {
  /** Directory holding the repository and anything else the test makes. */
  dir: string;
  /** The main worktree. */
  root: string;
  env: NodeJS.ProcessEnv;
  /** `node dist/bin/agent-lease.js ...args` in `root` (or `options.cwd`). */
  cli(args: string[], options?: RunOptions): CliResult;
  /** `cli` that parses stdout as JSON. */
  json<T = any>(args: string[], options?: RunOptions): T;
  git(args: string[], cwd?: string): string;
  /** `git worktree add` of a new branch next to the main worktree; returns its root. */
  addWorktree(name: string): string;
  cleanup(): void;
}

/** The environment a test's processes run with: no identity leaks in from whoever runs the tests. */
export function cleanEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('AGENT_LEASE_') || key.startsWith('CLAUDE') || key.startsWith('GIT_') || key === 'NO_COLOR') continue;
    env[key] = value;
  }
  return {
    ...env,
    HOME: home,
    USER: 'tester',
    LOGNAME: 'tester',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
  };
}

export function runCli(args: string[], options: RunOptions & { cwd: string; env: NodeJS.ProcessEnv }): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: options.env,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function makeRepo(): TestRepo {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'agent-lease-cli-')));
  const home = join(dir, 'home');
  const root = join(dir, 'repo');
  const env = cleanEnv(home);
  const git = (args: string[], cwd = root): string => execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  mkdirSync(home);
  mkdirSync(root);
  git(['init', '-q', '-b', 'main']);
  git(['commit', '-q', '--allow-empty', '-m', 'initial']);
  const cli = (args: string[], options: RunOptions = {}): CliResult =>
    runCli(args, { cwd: options.cwd ?? root, env: { ...env, ...options.env }, ...(options.input === undefined ? {} : { input: options.input }) });
  return {
    dir,
    root,
    env,
    cli,
    json(args, options) {
      const result = cli(args, options);
      try {
        return JSON.parse(result.stdout);
      } catch {
        throw new Error(`agent-lease ${args.join(' ')} printed no JSON (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
      }
    },
    git,
    addWorktree(name) {
      const path = join(dir, name);
      git(['worktree', 'add', '-q', '-b', name, path]);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
