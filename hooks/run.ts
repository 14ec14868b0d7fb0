// Runs one Claude Code hook: reads the event JSON from stdin (bounded in size and time), hands it
// to the event's handler, and writes the handler's answer. Nothing may escape as a crash: Claude
// Code treats any exit code but 0 and 2 as a non-blocking error, so a crashing PreToolUse hook
// would silently let the edit through.
import type { HookInput, HookOutcome } from './types';

const HANDLERS: Record<string, string> = {
  'session-start': './session-start',
  'pre-tool-use': './pre-tool-use',
  'post-tool-use': './post-tool-use',
  stop: './stop',
  'session-end': './session-end',
};

export const MAX_INPUT_BYTES = 4 * 1024 * 1024;
export const STDIN_TIMEOUT_MS = 5000;

export function runHook(args: string[]): void {
  const event = args[0] ?? '';
  if (!Object.hasOwn(HANDLERS, event)) {
    finish({ exitCode: 1, stderr: `agent-lease hook: unknown event "${event}" (expected one of ${Object.keys(HANDLERS).join(', ')})` });
    return;
  }
  readStdin().then(
    (text) => finish(dispatch(event, text)),
    (error: Error) => finish({ exitCode: 1, stderr: `agent-lease hook ${event}: ${error.message}` }),
  );
}

function dispatch(event: string, text: string): HookOutcome {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    return { exitCode: 1, stderr: `agent-lease hook ${event}: stdin is not valid JSON (${text.length === 0 ? 'empty' : `${text.length} bytes`}); nothing was leased` };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { exitCode: 1, stderr: `agent-lease hook ${event}: stdin must be a JSON object; nothing was leased` };
  }
  try {
    const { handle } = require(HANDLERS[event]!) as { handle(input: HookInput): HookOutcome };
    return handle(input as HookInput);
  } catch (error) {
    const { describeError } = require('../lib/errors') as typeof import('../lib/errors');
    return { exitCode: 1, stderr: `agent-lease hook ${event}: ${describeError(error)}` };
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      process.stdin.destroy();
      reject(new Error(`stdin was not closed within ${STDIN_TIMEOUT_MS / 1000}s; nothing was leased`));
    }, STDIN_TIMEOUT_MS);
    process.stdin.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_INPUT_BYTES) {
        clearTimeout(timer);
        process.stdin.destroy();
        reject(new Error(`stdin is larger than ${MAX_INPUT_BYTES} bytes; nothing was leased`));
        return;
      }
      chunks.push(chunk);
    });
    process.stdin.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    process.stdin.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function finish(outcome: HookOutcome): void {
  if (outcome.stdout) process.stdout.write(outcome.stdout);
  if (outcome.stderr) process.stderr.write(outcome.stderr.endsWith('\n') ? outcome.stderr : `${outcome.stderr}\n`);
  process.exitCode = outcome.exitCode ?? 0;
}
