// The stores a command opened, closed when it is done: a PostgreSQL connection left open would
// keep the process from exiting (SQLite's file handle does not).
import type { Store } from '../lib/core/store';

const opened = new Set<Store>();

/** `store`, noted to be closed when the command ends. */
export function keptUntilExit<T extends Store>(store: T): T {
  opened.add(store);
  return store;
}

export async function closeOpenedStores(): Promise<void> {
  const stores = [...opened];
  opened.clear();
  await Promise.allSettled(stores.map((store) => store.close()));
}
