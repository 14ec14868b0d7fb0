// Giving leases back (or, with force, taking another session's away: logged with who did it).
import { AgentLeaseError } from '../util/errors';
import { recordEvent } from './events';
import { selectLeases, toHeldLease, toLease, type LeaseSelection } from './lease-rows';
import type { HeldLease, Lease } from './lease-types';
import { run, type Store } from './store';

export interface ReleaseOptions extends Omit<LeaseSelection, 'sources'> {
  /** Release other sessions' leases too (logged as forced, with who did it). */
  force?: boolean;
  reason?: string;
}

export interface ReleaseResult {
  released: Lease[];
  /** Other sessions' leases that matched but were left alone for want of `force`. */
  refused: HeldLease[];
}

export async function release(store: Store, sessionId: string, options: ReleaseOptions): Promise<ReleaseResult> {
  if (!options.all && !options.patterns?.length && !options.tokens?.length) {
    throw new AgentLeaseError('release what? name patterns or tokens, or ask for all');
  }
  return store.write(function* () {
    const now = store.now();
    const released: Lease[] = [];
    const refused: HeldLease[] = [];
    for (const row of yield* selectLeases(sessionId, options)) {
      const forced = row.session_id !== sessionId;
      if (forced && !options.force) {
        refused.push(toHeldLease(row));
        continue;
      }
      const reason = forced ? `forced by ${sessionId}` : (options.reason ?? 'released');
      yield* run('UPDATE leases SET released_at = ?, release_reason = ? WHERE token = ?', now, reason, row.token);
      yield* recordEvent(store, {
        kind: forced ? 'force-release' : 'release',
        sessionId: row.session_id,
        actor: forced ? sessionId : null,
        token: row.token,
        pattern: row.pattern,
        detail: { reason },
      });
      released.push(toLease({ ...row, released_at: now, release_reason: reason }));
    }
    return { released, refused };
  });
}
