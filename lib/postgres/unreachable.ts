// The servers this process found unreachable (down, frozen, cut off), and until when every store
// of theirs fails at once with the error that found it so, instead of trying again. A hook uses
// its store more than once (a decision, then the handoff messages) and opens it anew after a
// failure: each use of a server that is down or frozen would wait out a connect budget again, and
// together they would outlast the hook's own timeout (SessionEnd: 5 s), which lets the edit
// through even with hooks.onStoreError "deny". A resident process (the MCP server) tries the
// server again once the time has passed.
import type { PostgresStoreError } from './server';

export const UNREACHABLE_FOR_MS = 5000;

/** By connection URL: stores of different repositories on one server share its answer. */
const found = new Map<string, { error: PostgresStoreError; until: number }>();

/** The error the server `url` names was found unreachable with, while that answer stands at `now`. */
export function knownUnreachable(url: string, now: number): PostgresStoreError | undefined {
  const known = found.get(url);
  if (known === undefined) return undefined;
  if (now < known.until) return known.error;
  found.delete(url);
  return undefined;
}

export function noteUnreachable(url: string, error: PostgresStoreError, now: number): void {
  found.set(url, { error, until: now + UNREACHABLE_FOR_MS });
}
