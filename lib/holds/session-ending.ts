// A session's end, wherever it is ended from (its SessionEnd hook, `agent-lease end`, doctor --fix
// ending sessions whose process is gone): its leases on committed, unmerged changes pass to their
// branch first, as at Stop, then the session ends and the rest are released. One function, so that
// no way of ending a session lets a committed change go free.
import { listLeases } from '../core/lease-queries';
import { endSession, getSession, staleSessions } from '../core/sessions';
import type { Store } from '../core/store';
import type { Config } from '../config/load';
import { passEndingLeases, type EndingOutcome } from './ending';

export interface SessionEndingOptions {
  /** Check each file against the integration branch (off under SessionEnd's short budget: the fork point alone). */
  verify: boolean;
  /** A worktree of the repository that exists: the caller's. Git runs there for leases whose worktree is gone. */
  from: string;
  actor: string | null;
  /** At most this many leases are looked at for holds (a short budget); the rest are released. */
  limit?: number;
}

export interface SessionEnded {
  /** Leases released (those passed to a branch not counted). */
  released: number;
  passed: EndingOutcome;
}

export async function endSessionHolding(store: Store, config: Config, sessionId: string, reason: string, options: SessionEndingOptions): Promise<SessionEnded> {
  const open = (await listLeases(store, { sessionId, includeInactive: true })).filter((lease) => lease.releasedAt === null);
  const passed = await passEndingLeases(store, config, open.slice(0, options.limit ?? open.length), {
    verify: options.verify,
    sessionWorktree: (await getSession(store, sessionId))?.worktree ?? options.from,
    gitFrom: options.from,
    actor: options.actor,
  });
  return { released: await endSession(store, sessionId, reason, options.actor), passed };
}

/** Ends every session whose agent process is gone (`endSessionHolding` each); returns their ids. */
export async function endStaleSessionsHolding(store: Store, config: Config, options: Omit<SessionEndingOptions, 'limit'>): Promise<string[]> {
  const stale = await staleSessions(store);
  for (const session of stale) await endSessionHolding(store, config, session.id, 'process-gone', options);
  return stale.map((session) => session.id);
}
