// What `doctor` reads of a store without changing it: the engine's own health (schema, journal
// mode, damage its integrity check finds) and the sessions in it. The store is opened read-only.
import { MIGRATIONS } from './migrations';
import { staleSessions } from './sessions';
import { openReadOnlyStore } from './sqlite';
import { get, type Store, type StoreHealth } from './store';

export interface StoreFacts extends StoreHealth {
  /** The schema this agent-lease writes. */
  latestSchema: number;
  sessions: number;
}

export function readStoreFacts(storePath: string): Promise<StoreFacts> {
  return withReadOnlyStore(storePath, async (store) => ({
    ...(await store.health()),
    latestSchema: MIGRATIONS.length,
    sessions: await countSessions(store, ''),
  }));
}

/** Open sessions, and those of them whose agent process is gone. */
export function readSessionFacts(storePath: string): Promise<{ stale: string[]; open: number }> {
  return withReadOnlyStore(storePath, async (store) => ({
    stale: (await staleSessions(store)).map((session) => session.id),
    open: await countSessions(store, 'WHERE ended_at IS NULL'),
  }));
}

async function countSessions(store: Store, where: string): Promise<number> {
  return (await store.read(() => get<{ n: number }>(`SELECT count(*) AS n FROM sessions ${where}`)))!.n;
}

async function withReadOnlyStore<T>(storePath: string, use: (store: Store) => Promise<T>): Promise<T> {
  const store = openReadOnlyStore(storePath);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}
