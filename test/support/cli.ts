// Runs the compiled CLI as a process in throwaway git repositories, with an environment that
// carries no agent-lease or Claude Code identity from whoever runs the tests.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { makeRepo, type TempRepo } from './git-repo';
import { readableBin } from './readable-install';

export const BIN = resolve(__dirname, '..', '..', 'dist', 'bin', 'agent-lease.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  signal?: NodeJS.Signals | null;
}

export interface RunOptions {
  cwd?: string;
  /** Added to (and overriding) the repository's environment. */
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Run as this user (and group of the same number). */
  uid?: number;
}

export interface CliRepo extends TempRepo {
  /** `node dist/bin/agent-lease.js ...args` in the main worktree (or `options.cwd`). */
  cli(args: string[], options?: RunOptions): CliResult;
  /** `cli`, with stdout parsed as JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: the callers read whatever the command printed
  json<T = any>(args: string[], options?: RunOptions): T;
}

const STEERING_GIT = new Set(['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR']);

/** `env` as user `tester`, without identity variables or git steering (tests may run inside a git hook). */
export function withoutIdentity(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('AGENT_LEASE_') || key.startsWith('CLAUDE') || key === 'NO_COLOR' || STEERING_GIT.has(key)) continue;
    clean[key] = value;
  }
  return { ...clean, USER: 'tester', LOGNAME: 'tester' };
}

export function runCli(args: string[], options: RunOptions & { cwd: string; env: NodeJS.ProcessEnv }): CliResult {
  const as = options.uid === undefined ? {} : { uid: options.uid, gid: options.uid };
  const result = spawnSync(process.execPath, [options.uid === undefined ? BIN : readableBin(), ...args], {
    cwd: options.cwd,
    env: options.env,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
    ...as,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, signal: result.signal };
}

export function makeCliRepo(): CliRepo {
  const repo = makeRepo();
  repo.env = withoutIdentity(repo.env);
  const cli = (args: string[], options: RunOptions = {}): CliResult =>
    runCli(args, { ...options, cwd: options.cwd ?? repo.root, env: { ...repo.env, ...options.env } });
  return Object.assign(repo, {
    cli,
    json(args: string[], options?: RunOptions) {
      const result = cli(args, options);
      try {
        return JSON.parse(result.stdout);
      } catch {
        throw new Error(`agent-lease ${args.join(' ')} printed no JSON (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
      }
    },
  });
}

/**
 * Runs `agent-lease claim <path>` as the Claude Code session `crashed-agent` whose agent process
 * has exited by the time this returns: a short-lived node runs the command and exits (a wrapper
 * such as `timeout` would be walked past to this test process, which lives on).
 */
export function claimFromCrashedAgent(path: string, options: { cwd: string; env: NodeJS.ProcessEnv }): void {
  const agent = `require('node:child_process').execFileSync(process.execPath, ${JSON.stringify([BIN, 'claim', path])})`;
  spawnSync(process.execPath, ['-e', agent], { cwd: options.cwd, env: { ...options.env, CLAUDE_CODE_SESSION_ID: 'crashed-agent' }, stdio: 'ignore' });
}
