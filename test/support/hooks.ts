// Running the compiled hooks the way Claude Code does: JSON on stdin, answer on stdout/stderr and
// the exit code. Inputs start from the real-shaped samples in test/fixtures/claude-code/.
import { execFile, spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { openStore } from '../../lib/core/sqlite';
import type { Store } from '../../lib/core/store';
import { makeRepo, type TempRepo } from './git-repo';
import { readableBin } from './readable-install';

export const BIN = join(__dirname, '..', '..', 'dist', 'bin', 'agent-lease.js');
const FIXTURES = join(__dirname, '..', 'fixtures', 'claude-code');
/** Where the samples pretend the checkout is; replaced by the test repository's path. */
const FIXTURE_ROOT = '/work/app';

export type HookInput = Record<string, unknown>;

/** Each hook with a sample input of its event. */
export const HOOK_SAMPLES: ReadonlyArray<[event: string, sample: string]> = [
  ['session-start', 'session-start.startup'],
  ['user-prompt-submit', 'user-prompt-submit'],
  ['pre-tool-use', 'pre-tool-use.write'],
  ['post-tool-use', 'post-tool-use.bash'],
  ['stop', 'stop'],
  ['session-end', 'session-end'],
  ['subagent-start', 'subagent-start'],
  ['subagent-stop', 'subagent-stop'],
];

export interface HookRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is JSON. */
  json: HookAnswer | null;
  /** The signal that ended the hook (the timeout's SIGTERM, a crash), if one did. */
  signal: NodeJS.Signals | null;
}

export interface HookAnswer {
  systemMessage?: string;
  decision?: string;
  hookSpecificOutput?: {
    hookEventName?: string;
    permissionDecision?: string;
    permissionDecisionReason?: string;
    additionalContext?: string;
  };
}

/**
 * A sample input with its checkout moved to `root`, its session set, and `overrides` applied;
 * `client`: another client's samples (test/fixtures/codex/, test/fixtures/gemini-cli/).
 */
export function fixture(name: string, root: string, sessionId: string, overrides: HookInput = {}, client?: string): HookInput {
  const text = readFileSync(join(client === undefined ? FIXTURES : join(FIXTURES, '..', client), `${name}.json`), 'utf8')
    .split(FIXTURE_ROOT)
    .join(root);
  return { ...(JSON.parse(text) as HookInput), session_id: sessionId, ...overrides };
}

/**
 * A hook input Claude Code 2.1.332 really sent (test/fixtures/claude-code-2.1.332/), its checkout
 * moved to `root`, ids as sent, `overrides` applied.
 */
export function capturedInput(name: string, root: string, overrides: HookInput = {}): HookInput {
  const text = readFileSync(join(FIXTURES, '..', 'claude-code-2.1.332', `${name}.json`), 'utf8')
    .split(FIXTURE_ROOT)
    .join(root);
  return { ...(JSON.parse(text) as HookInput), ...overrides };
}

/** The environment of a hook: the test's, without anything Claude Code or agent-lease would set. */
export function hookEnv(base: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    if (!key.startsWith('CLAUDE') && !key.startsWith('AGENT_LEASE')) env[key] = value;
  }
  return { ...env, ...extra };
}

export interface HookRunOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user (and group of the same number), as root cannot be refused a write. */
  uid?: number;
  /** Run under `ulimit -f` of this many KiB: writing past it fails with EFBIG. */
  fileSizeLimitKb?: number;
  /** Milliseconds before the hook is killed with SIGKILL (default 20 s). */
  timeout?: number;
}

/** Runs `agent-lease hook <event>` with `input` (an object, or raw text) on stdin. */
export function runHook(event: string, input: HookInput | string, options: HookRunOptions): HookRun {
  const [file, args, spawnOptions] = hookProcess(event, options);
  const result = spawnSync(file, args, { ...spawnOptions, input: typeof input === 'string' ? input : JSON.stringify(input), encoding: 'utf8' });
  return hookRun(result.status, result.stdout, result.stderr, result.signal);
}

/** `runHook` without blocking, for hooks that must run side by side. */
export function runHookAsync(event: string, input: HookInput | string, options: HookRunOptions): Promise<HookRun> {
  const [file, args, spawnOptions] = hookProcess(event, options);
  const child = execFile(file, args, { ...spawnOptions, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  child.stdin!.end(typeof input === 'string' ? input : JSON.stringify(input));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (status, signal) => resolve(hookRun(status, stdout, stderr, signal))));
}

function hookProcess(
  event: string,
  options: HookRunOptions,
): [file: string, args: string[], options: SpawnOptions & { timeout: number; killSignal: NodeJS.Signals }] {
  const argv = [process.execPath, options.uid === undefined ? BIN : readableBin(), 'hook', event];
  const [file, ...args] = options.fileSizeLimitKb === undefined ? argv : ['bash', '-c', `ulimit -f ${options.fileSizeLimitKb}; exec "$@"`, 'bash', ...argv];
  const as = options.uid === undefined ? {} : { uid: options.uid, gid: options.uid };
  return [file!, args, { env: options.env, cwd: options.cwd, timeout: Math.round(options.timeout ?? 20_000), killSignal: 'SIGKILL', ...as }];
}

function hookRun(status: number | null, stdout: string, stderr: string, signal: NodeJS.Signals | null): HookRun {
  let json: HookAnswer | null = null;
  if (stdout.trimStart().startsWith('{')) json = JSON.parse(stdout) as HookAnswer;
  return { status, stdout, stderr, json, signal };
}

/**
 * A stand-in for Claude Code: a long-lived process that runs each hook as its child, so that the
 * hooks register it as their session's agent process. Killing it is an agent crashing: no
 * SessionEnd is ever sent.
 */
export interface HookAgent {
  pid: number;
  run(event: string, input: HookInput, options?: { env?: NodeJS.ProcessEnv }): Promise<HookRun>;
  /** SIGKILL; resolves once the process is gone and reaped. */
  kill(): Promise<void>;
}

const AGENT_SCRIPT = `
const { spawnSync } = require('node:child_process');
const bin = process.env.HOOK_AGENT_BIN;
let pending = '';
process.stdin.on('data', (chunk) => {
  pending += chunk;
  for (let end; (end = pending.indexOf('\\n')) >= 0; pending = pending.slice(end + 1)) {
    const { event, input, env } = JSON.parse(pending.slice(0, end));
    const r = spawnSync(process.execPath, [bin, 'hook', event], { input, env, encoding: 'utf8', timeout: 20000 });
    process.stdout.write(JSON.stringify({ status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }) + '\\n');
  }
});
`;

export function startHookAgent(env: NodeJS.ProcessEnv): HookAgent {
  // The binary's path goes in the environment: on the command line it would make the agent look
  // like agent-lease's own node, which the hooks skip when they look for their agent.
  const child = spawn(process.execPath, ['-e', AGENT_SCRIPT], { env: { ...env, HOOK_AGENT_BIN: BIN }, stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: Array<(run: HookRun) => void> = [];
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const r = JSON.parse(buffered.slice(0, end)) as { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };
      waiting.shift()!(hookRun(r.status, r.stdout, r.stderr, r.signal));
      buffered = buffered.slice(end + 1);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    run(event, input, options = {}) {
      return new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin.write(`${JSON.stringify({ event, input: JSON.stringify(input), env: options.env ?? env })}\n`);
      });
    },
    kill() {
      child.kill('SIGKILL');
      return exited;
    },
  };
}

/** A temporary repository removed when the test ends. */
export function tempRepo(t: TestContext): TempRepo {
  const repo = makeRepo();
  t.after(() => repo.cleanup());
  return repo;
}

/** Runs `use` against the repository's store, where the hooks keep it. */
export async function withRepoStore<T>(repo: TempRepo, use: (store: Store) => T | Promise<T>): Promise<T> {
  const store = openStore({ path: join(repo.root, '.git', 'agent-lease', 'state.db') });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}
