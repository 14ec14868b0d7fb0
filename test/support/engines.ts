// The lease suites on both engines: `forEachEngine` defines a group of tests once for SQLite and once
// for PostgreSQL (a throw-away server shared by the test file, a new repository schema per store),
// so that one test text checks both; a suite may add PostgreSQL through PgBouncer in transaction
// pooling mode ('pgbouncer', a pooler shared by the test file in front of that server). A group is
// skipped, saying why, only where its binaries are missing.
import { before, describe } from 'node:test';
import { join } from 'node:path';
import { openPostgresStore } from '../../lib/postgres/store';
import { openStore } from '../../lib/core/sqlite';
import type { Store } from '../../lib/core/store';
import { NO_PGBOUNCER, startPgBouncer, type Pooler } from './pgbouncer';
import { NO_POSTGRES, sharedPostgres, type PostgresServer } from './postgres';
import { makeStore, testClock, type TestClock } from './store';
import { ownOrigin } from './team-repo';

export type Engine = 'sqlite' | 'postgres' | 'pgbouncer';
export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];
/** The engines, and PostgreSQL through a pooler. */
export const WITH_POOLER: readonly Engine[] = [...ENGINES, 'pgbouncer'];

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
let pooler: Promise<Pooler> | undefined;
let poolerUrl: string | undefined;
let repositories = 0;

const SKIP: Record<Engine, string | false> = { sqlite: false, postgres: NO_POSTGRES, pgbouncer: NO_POSTGRES || NO_PGBOUNCER };

/** Calls `define` inside a group per engine, "on sqlite", "on postgres" (and "on pgbouncer"). */
export function forEachEngine(define: (engine: Engine) => void, engines: readonly Engine[] = ENGINES): void {
  for (const engine of engines) {
    describe(`on ${engine}`, { skip: SKIP[engine] }, () => {
      if (engine !== 'sqlite') {
        before(async () => {
          server = await sharedPostgres();
          if (engine === 'pgbouncer') poolerUrl = (await sharedPooler(server)).url;
        });
      }
      define(engine);
    });
  }
}

/** One pooler for the whole test file, in front of its server, started on first use. */
function sharedPooler(behind: PostgresServer): Promise<Pooler> {
  if (pooler === undefined) pooler = startPgBouncer(behind);
  return pooler;
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
  if (server === undefined) throw new Error(`makeEngineStore("${engine}") outside forEachEngine`);
  const clock = testClock();
  const repository = `test.invalid/engines/${process.pid}/${++repositories}`;
  const url = engine === 'pgbouncer' ? poolerUrl : server.url;
  if (url === undefined) throw new Error('makeEngineStore("pgbouncer") outside forEachEngine');
  const store = openPostgresStore({ url, repository, now: () => clock.now });
  return {
    engine,
    store,
    location: `${url}#${encodeURIComponent(repository)}`,
    clock,
    cleanup: () => store.close(),
  };
}

/** The store of `engine` the compiled hooks, the CLI and the guard of one repository use, and the test's way into it. */
export interface EngineRepoStore {
  /** Added to their environment: nothing for SQLite (the file under .git), the server for PostgreSQL. */
  env: NodeJS.ProcessEnv;
  /** Opens that store in this process; the caller closes it. */
  open(): Store;
}

/**
 * Points the processes working in `repo` at a store of `engine`: SQLite's file under the git
 * directory, or a repository of its own on the file's PostgreSQL server (known by a remote
 * `origin` given to `repo` here, as a team's clones are).
 */
export function engineRepoStore(engine: Engine, repo: { root: string; git(args: string[]): string }): EngineRepoStore {
  if (engine === 'sqlite') {
    const path = join(repo.root, '.git', 'agent-lease', 'state.db');
    return { env: {}, open: () => openStore({ path }) };
  }
  if (server === undefined) throw new Error('engineRepoStore("postgres") outside forEachEngine');
  const repository = ownOrigin(repo);
  const { url } = server;
  return { env: { AGENT_LEASE_STORE: url }, open: () => openPostgresStore({ url, repository }) };
}
