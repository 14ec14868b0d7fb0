import { addonLoadProblem } from './native-addon';
import { firstLine, plainText } from './text';

/** Exit codes shared by the CLI, the guard and the hooks' callers. */
export const EXIT = { ok: 0, conflict: 1, usage: 2 } as const;

/**
 * An error meant for a person: its message is one line that says what is wrong and what to do.
 * Anything else that escapes is a bug and is reported as such.
 */
export class AgentLeaseError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'AgentLeaseError';
  }
}

export function describeError(error: unknown): string {
  if (error instanceof AgentLeaseError) return error.message;
  const addon = addonLoadProblem(error);
  if (addon !== null) return addon;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/**
 * An error from the environment (SQLite, the file system: a code like SQLITE_FULL or EACCES; a
 * native addon this Node cannot load), not a bug.
 */
export function isEnvironmentError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_') || code === 'ERR_DLOPEN_FAILED' || /^E[A-Z]+$/.test(code));
}

/**
 * A store's failure that names the store (`postgres host:5432/db: …`), so that it says everything
 * on a line of its own (a CLI command's error, doctor's check); `reason` is the same without the
 * name, for a line that names the store already.
 */
export class NamedStoreError extends AgentLeaseError {
  constructor(
    readonly store: string,
    readonly reason: string,
  ) {
    super(`${store}: ${reason}`);
    this.name = 'NamedStoreError';
  }
}

/**
 * What went wrong using the store, in one line that goes after the store's name (a NamedStoreError
 * gives its reason), with the likely cause when the error code tells it. SQLite may quote the
 * damaged part of a file (schema text, any bytes): only the start of its first line is kept,
 * control characters replaced, so that a terminal shows it as it is.
 */
export function describeStoreError(error: unknown): string {
  if (error instanceof NamedStoreError) return error.reason;
  const code = (error as { code?: unknown } | null)?.code;
  const cause = typeof code === 'string' ? STORE_ERROR_CAUSES.find(([prefix]) => code.startsWith(prefix))?.[1] : undefined;
  // A native addon's problem is agent-lease's own sentence, and its fix names this Node's path: never cut.
  const shown = plainText(firstLine(describeError(error)), addonLoadProblem(error) === null ? undefined : Number.POSITIVE_INFINITY);
  return cause === undefined ? shown : `${shown} (${cause})`;
}

const STORE_ERROR_CAUSES: ReadonlyArray<[codePrefix: string, cause: string]> = [
  ['SQLITE_BUSY', 'another process has kept it locked'],
  ['SQLITE_READONLY', 'this user cannot write to it or to its directory'],
  ['SQLITE_CANTOPEN', 'it or its directory cannot be opened or created by this user'],
  ['SQLITE_CORRUPT', 'the file is damaged: agent-lease doctor, then move it aside'],
  ['SQLITE_NOTADB', 'the file is not a database: agent-lease doctor, then move it aside'],
  ['SQLITE_FULL', 'the disk is full'],
  ['SQLITE_IOERR', 'the disk is full, a file size limit was reached, or the disk failed'],
];
