// Runs one Claude Code hook: reads the event JSON from stdin (bounded in size and time), hands it
// to the event's handler, and writes the handler's answer. Nothing may escape as a crash: Claude
// Code treats any exit code but 0 and 2 as a non-blocking error, so a crashing PreToolUse hook
// would silently let the edit through.
import { read, writeSync } from 'node:fs';
import { preloadSqliteAddon } from '../lib/core/sqlite';
import type { HookInput, HookOutcome } from './types';

export { codePathsRun } from './code-paths';

export type Handler = { handle(input: HookInput): Promise<HookOutcome> };

// Static requires, each run only for its own event, so that a bundler can see them all.
const HANDLERS: Record<string, () => Handler> = {
  'session-start': () => require('./session-start'),
  'pre-tool-use': () => require('./pre-tool-use'),
  'post-tool-use': () => require('./post-tool-use'),
  'user-prompt-submit': () => require('./user-prompt-submit'),
  stop: () => require('./stop'),
  'session-end': () => require('./session-end'),
  'subagent-start': () => require('./subagent-start'),
  'subagent-stop': () => require('./subagent-stop'),
  'worktree-remove': () => require('./worktree-remove'),
};

export const MAX_INPUT_BYTES = 4 * 1024 * 1024;
export const STDIN_TIMEOUT_MS = 5000;

export function runHook(args: string[]): void {
  runHandlers(HANDLERS, 'agent-lease hook', args[0] ?? '');
}

/** Runs `event`'s handler of `handlers` (another client's, hooks/clients.ts); `name` starts every message. */
export function runHandlers(handlers: Record<string, () => Handler>, name: string, event: string): void {
  if (!Object.hasOwn(handlers, event)) {
    finish({ exitCode: 1, stderr: `${name}: unknown event "${event}" (expected one of ${Object.keys(handlers).join(', ')})` });
    return;
  }
  void readStdin().then(
    async (text) => finish(await dispatch(handlers, name, event, text)),
    (error: Error) => finish({ exitCode: 1, stderr: `${name} ${event}: ${error.message}` }, error instanceof StdinStuck),
  );
  // Every event opens the store: load SQLite's addon while the read above runs on libuv's threads.
  preloadSqliteAddon();
}

async function dispatch(handlers: Record<string, () => Handler>, name: string, event: string, text: string): Promise<HookOutcome> {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    return {
      exitCode: 1,
      stderr: `${name} ${event}: stdin is not valid JSON (${text.length === 0 ? 'empty' : `${text.length} bytes`}); nothing was leased`,
    };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { exitCode: 1, stderr: `${name} ${event}: stdin must be a JSON object; nothing was leased` };
  }
  return handleWith(handlers, name, event, input as HookInput);
}

/** One event's answer to its input, as the command hook gives it (the MCP server's hook tool answers through this too). */
export function handleEvent(event: string, input: HookInput): Promise<HookOutcome> {
  return handleWith(HANDLERS, 'agent-lease hook', event, input);
}

async function handleWith(handlers: Record<string, () => Handler>, name: string, event: string, input: HookInput): Promise<HookOutcome> {
  if (!Object.hasOwn(handlers, event)) return { exitCode: 1, stderr: `${name}: unknown event "${event}"` };
  try {
    return await handlers[event]!().handle(input);
  } catch (error) {
    const { describeError } = require('../lib/util/errors') as typeof import('../lib/util/errors');
    return { exitCode: 1, stderr: `${name} ${event}: ${describeError(error)}` };
  }
}

// stdin and stdout are used through their file descriptors, not process.stdin/stdout: building
// those streams loads node's stream and net modules, a few milliseconds of every hook call.
function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      reading = false;
      reject(new StdinStuck(`stdin was not closed within ${STDIN_TIMEOUT_MS / 1000}s; nothing was leased`));
    }, STDIN_TIMEOUT_MS);
    let reading = true;
    const buffer = Buffer.allocUnsafe(64 * 1024);
    const readMore = (): void =>
      read(0, buffer, 0, buffer.length, null, (error, bytes) => {
        if (!reading) return;
        if (error?.code === 'EAGAIN') return void setTimeout(readMore, 2);
        if (error !== null || bytes === 0 || size + bytes > MAX_INPUT_BYTES) {
          reading = false;
          clearTimeout(timer);
          if (error !== null) reject(new Error(`cannot read stdin (${error.code ?? error.message}); nothing was leased`));
          else if (bytes === 0) resolve(Buffer.concat(chunks).toString('utf8'));
          else reject(new Error(`stdin is larger than ${MAX_INPUT_BYTES} bytes; nothing was leased`));
          return;
        }
        size += bytes;
        chunks.push(Buffer.from(buffer.subarray(0, bytes)));
        readMore();
      });
    readMore();
  });
}

/**
 * stdin stayed open: a read is still blocked in libuv's thread pool, which node waits for on any
 * normal exit, so the process ends itself with SIGKILL once the message is out (to Claude Code,
 * like exit 1: not a block, and the message is shown).
 */
class StdinStuck extends Error {}

function finish(outcome: HookOutcome, stuck = false): void {
  if (outcome.stdout) writeAll(1, outcome.stdout);
  if (outcome.stderr) writeAll(2, outcome.stderr.endsWith('\n') ? outcome.stderr : `${outcome.stderr}\n`);
  if (stuck) process.kill(process.pid, 'SIGKILL');
  // Not a natural exit: that would close the store, checkpointing it (see withStore in context.ts).
  process.exit(outcome.exitCode ?? 0);
}

function writeAll(fd: number, text: string): void {
  const data = Buffer.from(text, 'utf8');
  for (let offset = 0; offset < data.length; ) {
    try {
      offset += writeSync(fd, data, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}
