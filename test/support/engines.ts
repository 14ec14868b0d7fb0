// The lease suites on both engines: `forEachEngine` defines a group of tests once for SQLite and once
// for PostgreSQL (a throw-away server shared by the test file, a new repository schema per store),
// so that one test text checks both. PostgreSQL's group is skipped, saying why, only where its
// server binaries are missing.
import { before, describe } from 'node:test';
import { openPostgresStore } from '../../lib/postgres/store';
import type { Store } from '../../lib/core/store';
import { NO_POSTGRES, sharedPostgres, type PostgresServer } from './postgres';
import { makeStore, testClock, type TestClock } from './store';

export type Engine = 'sqlite' | 'postgres';
export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

export interface EngineStore {
  engine: Engine;
  store: Store;
  /**
   * Where another process opens the same store (test/support/lease-worker.cjs): SQLite's file, or
   * PostgreSQL's URL with the repository as its fragment.
   */
  location: string;
  clock: TestClock;
  cleanup(): Promise<void>;
}

let server: PostgresServer | undefined;
let repositories = 0;

/** Calls `define` inside a group per engine, "on sqlite" and "on postgres". */
export function forEachEngine(define: (engine: Engine) => void): void {
  for (const engine of ENGINES) {
    describe(`on ${engine}`, { skip: engine === 'postgres' ? NO_POSTGRES : false }, () => {
      if (engine === 'postgres') {
        before(async () => {
          server = await sharedPostgres();
        });
      }
      define(engine);
    });
  }
}

/** A new, empty store of `engine` whose clock the test moves (PostgreSQL's normally is the database's). */
export function makeEngineStore(engine: Engine): EngineStore {
  if (engine === 'sqlite') {
    const made = makeStore();
    return {
      engine,
      store: made.store,
      location: made.path,
      clock: made.clock,
      cleanup: async () => made.cleanup(),
    };
  }
  if (server === undefined) throw new Error('makeEngineStore("postgres") outside forEachEngine');
  const clock = testClock();
  const repository = `test.invalid/engines/${process.pid}/${++repositories}`;
  const store = openPostgresStore({ url: server.url, repository, now: () => clock.now });
  return {
    engine,
    store,
    location: `${server.url}#${encodeURIComponent(repository)}`,
    clock,
    cleanup: () => store.close(),
  };
}
