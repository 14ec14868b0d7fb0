// Extending leases a session holds (or, with force, another's: logged with who did it).
import { recordEvent } from './events';
import { leaseRow, selectLeases, toHeldLease, toLease, type LeaseSelection } from './lease-rows';
import type { HeldLease, Lease } from './lease-types';
import { validTtl } from './patterns';
import { run, type Store } from './store';

export interface RenewOptions extends Omit<LeaseSelection, 'all'> {
  /** The new time to live; each lease's own when absent. */
  ttlMs?: number;
  force?: boolean;
}

/** Extends the session's live leases (all, or those with the given patterns or tokens). */
export async function renew(store: Store, sessionId: string, options: RenewOptions = {}): Promise<{ renewed: Lease[]; refused: HeldLease[] }> {
  if (options.ttlMs !== undefined) validTtl(options.ttlMs);
  return store.write(function* () {
    const now = store.now();
    const rows = (yield* selectLeases(sessionId, options)).filter((row) => row.expires_at > now);
    const renewed: Lease[] = [];
    const refused: HeldLease[] = [];
    for (const row of rows) {
      if (row.session_id !== sessionId && !options.force) {
        refused.push(toHeldLease(row));
        continue;
      }
      // Never shortens: a lease renewed for less than it has left keeps what it has.
      const ttlMs = Math.max(options.ttlMs ?? row.ttl_ms, row.ttl_ms);
      const expiresAt = Math.max(row.expires_at, now + (options.ttlMs ?? row.ttl_ms));
      yield* run('UPDATE leases SET expires_at = ?, ttl_ms = ? WHERE token = ?', expiresAt, ttlMs, row.token);
      yield* recordEvent(store, {
        kind: 'renew',
        sessionId: row.session_id,
        actor: row.session_id === sessionId ? null : sessionId,
        token: row.token,
        pattern: row.pattern,
        detail: { expiresAt },
      });
      renewed.push(toLease((yield* leaseRow(row.token))!));
    }
    return { renewed, refused };
  });
}
