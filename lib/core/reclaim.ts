// Leases whose holder can no longer speak for them: expired, or held by a session whose agent
// process is gone. Anyone who meets one may reclaim it, inside the transaction that met it.
import { recordEvent } from './events';
import { holderAlive, type JoinedRow, type Liveness } from './lease-rows';
import type { Store } from './store';

/**
 * Releases a lease that has expired or whose holder is gone; true when it did. A lease due to
 * expire further ahead than its own TTL means the clock went back: its expiry is brought within
 * one TTL of now, so that no lease outlives a clock jump by more than its TTL.
 */
export function reclaimIfStale(store: Store, row: JoinedRow, now: number, liveness: Liveness, actor: string | null): boolean {
  if (row.expires_at - now > row.ttl_ms) {
    row.expires_at = now + row.ttl_ms;
    store.statement('UPDATE leases SET expires_at = ? WHERE token = ?').run(row.expires_at, row.token);
  }
  let kind: 'expire' | 'takeover';
  let reason: string;
  if (row.expires_at <= now) {
    kind = 'expire';
    reason = 'expired';
  } else if (!holderAlive(row, liveness)) {
    kind = 'takeover';
    reason = row.s_ended_at === null ? 'holder-dead' : 'holder-ended';
  } else {
    return false;
  }
  store.statement('UPDATE leases SET released_at = ?, release_reason = ? WHERE token = ?').run(now, reason, row.token);
  recordEvent(store, { kind, sessionId: row.session_id, actor, token: row.token, pattern: row.pattern, detail: { reason } });
  return true;
}
