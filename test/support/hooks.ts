// Running the compiled hooks the way Claude Code does: JSON on stdin, answer on stdout/stderr and
// the exit code. Inputs start from the real-shaped samples in test/fixtures/claude-code/.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { openStore, type Store } from '../../lib/store';
import { makeRepo, type TempRepo } from './git-repo';

export const BIN = join(__dirname, '..', '..', 'dist', 'bin', 'agent-lease.js');
const FIXTURES = join(__dirname, '..', 'fixtures', 'claude-code');
/** Where the samples pretend the checkout is; replaced by the test repository's path. */
const FIXTURE_ROOT = '/work/app';

export type HookInput = Record<string, unknown>;

/** Each hook with a sample input of its event. */
export const HOOK_SAMPLES: ReadonlyArray<[event: string, sample: string]> = [
  ['session-start', 'session-start.startup'],
  ['pre-tool-use', 'pre-tool-use.write'],
  ['post-tool-use', 'post-tool-use.bash'],
  ['stop', 'stop'],
  ['session-end', 'session-end'],
];

export interface HookRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is JSON. */
  json: HookAnswer | null;
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

/** A sample input with its checkout moved to `root`, its session set, and `overrides` applied. */
export function fixture(name: string, root: string, sessionId: string, overrides: HookInput = {}): HookInput {
  const text = readFileSync(join(FIXTURES, `${name}.json`), 'utf8').split(FIXTURE_ROOT).join(root);
  return { ...(JSON.parse(text) as HookInput), session_id: sessionId, ...overrides };
}

/** The environment of a hook: the test's, without anything Claude Code or agent-lease would set. */
export function hookEnv(base: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    if (!key.startsWith('CLAUDE') && !key.startsWith('AGENT_LEASE')) env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs `agent-lease hook <event>` with `input` (an object, or raw text) on stdin. */
export function runHook(event: string, input: HookInput | string, options: { env: NodeJS.ProcessEnv; cwd?: string }): HookRun {
  const result = spawnSync(process.execPath, [BIN, 'hook', event], {
    input: typeof input === 'string' ? input : JSON.stringify(input),
    env: options.env,
    cwd: options.cwd,
    encoding: 'utf8',
    timeout: 20_000,
  });
  let json: HookAnswer | null = null;
  if (result.stdout.trimStart().startsWith('{')) json = JSON.parse(result.stdout) as HookAnswer;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, json };
}

/** A temporary repository removed when the test ends. */
export function tempRepo(t: TestContext): TempRepo {
  const repo = makeRepo();
  t.after(() => repo.cleanup());
  return repo;
}

/** Runs `use` against the repository's store, where the hooks keep it. */
export function withRepoStore<T>(repo: TempRepo, use: (store: Store) => T): T {
  const store = openStore({ path: join(repo.root, '.git', 'agent-lease', 'state.db') });
  try {
    return use(store);
  } finally {
    store.close();
  }
}
