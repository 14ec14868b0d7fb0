// Waiting until paths are free: free means exactly that `acquire` would grant them (the same check,
// run as a check-only attempt), and with `claim` the attempt that finds them free is the grant,
// in that one transaction. Between attempts the waiter sleeps: it looks at the store's change
// counter (SQLite's data_version: it moves when another connection commits, no lock taken), on a
// short interval that grows while nothing happens, and tries again when it moved, when the first
// lease in the way expires, or every LIVENESS_RECHECK_MS (a holder's process can die without
// anyone writing).
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentLeaseError } from '../util/errors';
import { acquire, type AcquireOptions, type AcquireResult } from './acquire';
import type { LeaseTarget } from './globs';
import type { Store } from './store';

export interface WaitOptions extends Omit<AcquireOptions, 'checkOnly' | 'unlogged' | 'partial'> {
  timeoutMs: number;
  /** Lease the paths in the attempt that finds them free. */
  claim?: boolean;
  /** Stops the wait (an interrupted command, a cancelled tool call). */
  signal?: AbortSignal;
  /** Told once, when the first attempt finds the paths held: what is in the way. */
  onHeld?: (result: AcquireResult) => void;
}

export interface WaitOutcome {
  /** Every path was free (and, with `claim`, is now leased). */
  free: boolean;
  /** The last attempt: its grants, or the conflicts still in the way at the timeout. */
  result: AcquireResult;
  waitedMs: number;
}

const FIRST_POLL_MS = 10;
const LONGEST_POLL_MS = 200;
const LIVENESS_RECHECK_MS = 1000;

export async function waitUntilFree(
  store: Store,
  sessionId: string,
  patterns: ReadonlyArray<string | LeaseTarget>,
  options: WaitOptions,
): Promise<WaitOutcome> {
  const { timeoutMs, claim, signal, onHeld, ...acquireOptions } = options;
  const started = Date.now();
  const deadline = started + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const version = await store.changeCounter();
    const result = await acquire(store, sessionId, patterns, { ...acquireOptions, checkOnly: !claim, unlogged: true });
    const now = Date.now();
    if (result.ok || now >= deadline) return { free: result.ok, result, waitedMs: now - started };
    if (attempt === 1) onHeld?.(result);
    const firstExpiry = Math.min(...result.conflicts.map((conflict) => conflict.held.expiresAt.getTime() - store.now() + now));
    await untilChanged(store, version, Math.min(deadline, firstExpiry + 1, now + LIVENESS_RECHECK_MS), signal);
  }
}

/** Sleeps until another connection commits or `wakeAt`, whichever is first. */
async function untilChanged(store: Store, version: number, wakeAt: number, signal: AbortSignal | undefined): Promise<void> {
  for (let interval = FIRST_POLL_MS; Date.now() < wakeAt; interval = Math.min(interval * 2, LONGEST_POLL_MS)) {
    try {
      await sleep(Math.max(1, Math.min(interval, wakeAt - Date.now())), undefined, { signal });
    } catch {
      throw new AgentLeaseError('the wait was interrupted');
    }
    if ((await store.changeCounter()) !== version) return;
  }
}
