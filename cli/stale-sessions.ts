// Sessions that were never ended but whose agent process is gone (a crash, a kill, a SessionEnd
// hook that did not run): `gc` ends them, `doctor` reports them and ends them with --fix.
import { endSession, listSessions, type Session } from '../lib/core/sessions';
import type { Store } from '../lib/core/store';

export function staleSessions(store: Store): Session[] {
  return listSessions(store).filter((session) => !session.alive);
}

/** Ends each stale session, releasing its leases; returns the sessions ended. */
export function endStaleSessions(store: Store): Session[] {
  const stale = staleSessions(store);
  for (const session of stale) endSession(store, session.id, 'process-gone');
  return stale;
}
