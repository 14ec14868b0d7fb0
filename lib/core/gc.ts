// Garbage collection: reclaims stale leases, then deletes old history in small batches.
import { holderAlive, JOINED, type JoinedRow, type Liveness } from './lease-rows';
import { reclaimIfStale } from './reclaim';
import { all, get, run, type Store } from './store';

export interface GcResult {
  reclaimed: number;
  deletedLeases: number;
  deletedSessions: number;
  deletedEvents: number;
}

/** Rows deleted per transaction by gc, so that hooks waiting on the store are never held up long. */
const GC_BATCH = 5000;

/**
 * Reclaims expired and dead-holder leases, then deletes released leases and ended sessions older
 * than `retentionMs` and events older than `eventRetentionMs`, in small batches, and returns the
 * freed pages to the file system.
 */
export async function gc(store: Store, options: { retentionMs: number; eventRetentionMs?: number; actor?: string | null }): Promise<GcResult> {
  const liveRows = await store.read(() => all<JoinedRow>(`${JOINED} WHERE l.released_at IS NULL`));
  // Process checks happen here, outside the transaction; inside it only the answers are used.
  const liveness: Liveness = new Map();
  for (const row of liveRows) holderAlive(row, liveness);
  const now = store.now();
  const reclaimed = await store.write(function* () {
    // Expiry is judged from each row as it is now (a hook may have renewed it since it was read).
    let count = 0;
    for (const { token } of liveRows) {
      const current = yield* get<JoinedRow>(`${JOINED} WHERE l.token = ? AND l.released_at IS NULL`, token);
      if (current !== undefined && (yield* reclaimIfStale(store, current, store.now(), liveness, options.actor ?? null))) count++;
    }
    return count;
  });
  const cutoff = now - options.retentionMs;
  const deletedLeases = await deleteInBatches(
    store,
    'SELECT token FROM leases WHERE released_at IS NOT NULL AND released_at < ?',
    'DELETE FROM leases WHERE token IN',
    cutoff,
  );
  const deletedSessions = await deleteInBatches(
    store,
    'SELECT id FROM sessions WHERE ended_at IS NOT NULL AND ended_at < ? AND NOT EXISTS (SELECT 1 FROM leases WHERE session_id = sessions.id)',
    'DELETE FROM sessions WHERE id IN',
    cutoff,
  );
  const deletedEvents = await deleteInBatches(
    store,
    'SELECT id FROM events WHERE at < ?',
    'DELETE FROM events WHERE id IN',
    now - (options.eventRetentionMs ?? options.retentionMs),
  );
  await store.compact();
  return { reclaimed, deletedLeases, deletedSessions, deletedEvents };
}

async function deleteInBatches(store: Store, select: string, deleteWhere: string, cutoff: number): Promise<number> {
  const statement = `${deleteWhere} (${select} LIMIT ${GC_BATCH})`;
  let total = 0;
  for (;;) {
    const { changes: deleted } = await store.write(() => run(statement, cutoff));
    total += deleted;
    if (deleted < GC_BATCH) return total;
  }
}
