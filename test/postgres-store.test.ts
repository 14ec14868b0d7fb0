// The PostgreSQL engine on its own, against a real server: the schema it makes, the rows it gives
// the core, how writers of one repository are serialized, and what it does when the server fails.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../lib/core/migrations';
import { all, get, run } from '../lib/core/store';
import { POSTGRES_MIGRATIONS } from '../lib/postgres/migrations';
import { repositoryPlace } from '../lib/postgres/server';
import { UNREACHABLE_FOR_MS } from '../lib/postgres/unreachable';
import { openPostgresStore, type PostgresStore } from '../lib/postgres/store';
import { NO_POSTGRES, sharedPostgres, startPostgres, type PostgresServer } from './support/postgres';

let server: PostgresServer;
const opened: PostgresStore[] = [];
let repositories = 0;

function open(repository = `github.com/test/repo-${process.pid}-${++repositories}`, url = server.url): PostgresStore {
  const store = openPostgresStore({ url, repository });
  opened.push(store);
  return store;
}

after(async () => {
  await Promise.all(opened.map((store) => store.close()));
});

describe('the PostgreSQL store', { skip: NO_POSTGRES }, () => {
  before(async () => {
    server = await sharedPostgres();
  });

  test('its schema has the SQLite migrations, version for version: the same tables and columns', async () => {
    assert.equal(POSTGRES_MIGRATIONS.length, MIGRATIONS.length);
    const sqlite = new Database(':memory:');
    for (const step of MIGRATIONS) sqlite.exec(step);
    const tables = (
      sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>
    ).map((row) => row.name);
    const expected = Object.fromEntries(
      tables.map((table) => [table, (sqlite.pragma(`table_info(${table})`) as Array<{ name: string }>).map((column) => column.name).sort()]),
    );
    sqlite.close();

    const store = open();
    const columns = await store.read(function* () {
      return yield* all<{ table_name: string; column_name: string }>(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> 'agent_lease_schema' ORDER BY table_name, column_name",
      );
    });
    const actual = Object.fromEntries(Object.keys(expected).map((table) => [table, columns.filter((c) => c.table_name === table).map((c) => c.column_name)]));
    assert.deepEqual(new Set(columns.map((c) => c.table_name)), new Set(tables));
    assert.deepEqual(actual, expected);
    assert.deepEqual(await store.health(), { schema: MIGRATIONS.length, journal: null, damage: null });
  });

  test('rows come back as SQLite gives them: integers and counts as numbers, booleans as 0 and 1, NULL as null, ids through RETURNING', async () => {
    const store = open();
    const result = await store.write(function* () {
      const inserted = yield* run(
        'INSERT INTO sessions (id, name, runtime, host, started_at, last_seen_at, pid) VALUES (?, ?, ?, ?, ?, ?, ?)',
        'alice',
        'alice',
        'cli',
        'host-a',
        1_800_000_000_123,
        1_800_000_000_456,
        null,
      );
      const event = yield* get<{ id: number }>(
        'INSERT INTO events (at, kind, detail) VALUES (?, ?, ?) RETURNING id',
        5,
        'note',
        JSON.stringify({ once: 'yes', n: 3 }),
      );
      const row = yield* get('SELECT count(*) AS n, max(last_seen_at) AS seen, count(*) > 0 AS any, pid FROM sessions GROUP BY pid');
      const listed = yield* all<{ id: string }>(
        `SELECT id FROM sessions WHERE ${store.dialect.inList('id')} ORDER BY id`,
        JSON.stringify(['alice', "o'brien", 'bob']),
      );
      const json = yield* get(
        `SELECT ${store.dialect.jsonText('detail', 'once')} AS once, ${store.dialect.jsonText('detail', 'missing')} AS missing FROM events WHERE id = ?`,
        event!.id,
      );
      const none = yield* get('SELECT id FROM sessions WHERE id = ?', 'nobody');
      return { inserted, event, row, listed, json, none };
    });
    assert.deepEqual(result.inserted, { changes: 1 });
    assert.equal(typeof result.event!.id, 'number');
    assert.deepEqual(result.row, { n: 1, seen: 1_800_000_000_456, any: 1, pid: null });
    assert.deepEqual(result.listed, [{ id: 'alice' }]);
    assert.deepEqual(result.json, { once: 'yes', missing: null });
    assert.equal(result.none, undefined);
  });

  test('twelve stores opening a fresh repository at once: every write succeeds and exactly one migrates', async () => {
    const repository = `github.com/test/fresh-${process.pid}`;
    const stores = Array.from({ length: 12 }, () => open(repository));
    await Promise.all(
      stores.map((store, i) =>
        store.write(function* () {
          yield* run('INSERT INTO events (at, kind) VALUES (?, ?)', i, 'hello');
        }),
      ),
    );
    const counts = await stores[0]!.read(function* () {
      return yield* get<{ migrations: number; hellos: number }>(
        "SELECT count(*) FILTER (WHERE kind = 'migrate') AS migrations, count(*) FILTER (WHERE kind = 'hello') AS hellos FROM events",
      );
    });
    assert.deepEqual(counts, { migrations: 1, hellos: 12 });
  });

  test("writers of one repository run one at a time; another repository's writer does not wait for them", async () => {
    const repository = `github.com/test/serial-${process.pid}`;
    const [slow, same, other] = [open(repository), open(repository), open()];
    await Promise.all([slow, same, other].map((store) => store.changeCounter()));
    const finished: string[] = [];
    const slowWrite = slow.write(function* () {
      yield* get('SELECT pg_sleep(0.6)');
    });
    // The slow writer holds the lock before the others ask for it, however loaded the machine.
    const lockHeld = function* () {
      return (yield* get<{ n: number }>("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted"))!.n;
    };
    for (let polls = 0; polls < 200 && (await other.read(lockHeld)) === 0; polls++) await new Promise((resolve) => setTimeout(resolve, 10));
    await Promise.all([
      slowWrite.then(() => finished.push('slow')),
      same
        .write(function* () {
          yield* get('SELECT 1 AS x');
        })
        .then(() => finished.push('same repository')),
      other
        .write(function* () {
          yield* get('SELECT 1 AS x');
        })
        .then(() => finished.push('other repository')),
    ]);
    assert.deepEqual(finished, ['other repository', 'slow', 'same repository']);
  });

  test("the change counter moves when another store commits a change, not for a write that changed nothing, nor for the store's own", async () => {
    const repository = `github.com/test/counter-${process.pid}`;
    const [watcher, writer] = [open(repository), open(repository)];
    const before = await watcher.changeCounter();
    const writerBefore = await writer.changeCounter();
    await writer.write(function* () {
      yield* get('SELECT count(*) AS n FROM leases');
    });
    assert.equal(await watcher.changeCounter(), before, 'a write that changed nothing');
    await writer.write(function* () {
      yield* run('INSERT INTO events (at, kind) VALUES (?, ?)', 1, 'x');
    });
    assert.ok((await watcher.changeCounter()) > before);
    assert.equal(await writer.changeCounter(), writerBefore, 'its own commit');
  });

  test('a body that throws rolls its transaction back and the error comes out as it was', async () => {
    const store = open();
    const boom = new Error('the body decided against it');
    await assert.rejects(
      store.write(function* () {
        yield* run('INSERT INTO events (at, kind) VALUES (?, ?)', 1, 'half');
        throw boom;
      }),
      (error) => error === boom,
    );
    const n = await store.read(function* () {
      return (yield* get<{ n: number }>("SELECT count(*) AS n FROM events WHERE kind = 'half'"))!.n;
    });
    assert.equal(n, 0);
  });

  test('a connection lost inside a transaction: nothing of it committed, and it runs again from its start', async () => {
    const store = open();
    const killer = open();
    let runs = 0;
    const write = store.write(function* () {
      runs++;
      yield* run('INSERT INTO events (at, kind) VALUES (?, ?)', runs, 'attempt');
      if (runs === 1) yield* get('SELECT pg_sleep(5)');
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await killer.write(function* () {
      yield* get("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(5)' AND pid <> pg_backend_pid()");
    });
    await write;
    assert.equal(runs, 2);
    const attempts = await store.read(function* () {
      return yield* all<{ at: number }>("SELECT at FROM events WHERE kind = 'attempt'");
    });
    assert.deepEqual(attempts, [{ at: 2 }], 'only the second run committed');
  });
});

describe('the PostgreSQL store when the server fails', { skip: NO_POSTGRES }, () => {
  let own: PostgresServer;
  before(async () => {
    own = await startPostgres();
  });
  after(() => own.stop());

  test('stopped: one line naming the server, never the password; started again: every committed row is there', async () => {
    const url = own.url.replace('agent@', 'agent:s3cret-word@');
    let now = Date.now();
    const store = openPostgresStore({ url, repository: 'github.com/test/restart', clock: () => now });
    opened.push(store);
    await store.write(function* () {
      yield* run('INSERT INTO events (at, kind) VALUES (?, ?)', 1, 'kept');
    });
    own.crash();
    for (const attempt of [1, 2]) {
      await assert.rejects(
        store.write(function* () {
          yield* get('SELECT 1 AS x');
        }),
        (error: Error) => {
          assert.equal(error.name, 'PostgresStoreError', `attempt ${attempt}`);
          assert.equal(error.message.split('\n').length, 1);
          assert.match(error.message, new RegExp(`^postgres 127\\.0\\.0\\.1:${own.port}/postgres: `));
          assert.doesNotMatch(error.message, /s3cret/);
          return true;
        },
      );
    }
    own.start();
    // A server found unreachable is tried again once UNREACHABLE_FOR_MS have passed (test/postgres-unreachable.test.ts).
    now += UNREACHABLE_FOR_MS;
    const kept = await store.read(function* () {
      return yield* all<{ kind: string }>("SELECT kind FROM events WHERE kind = 'kept'");
    });
    assert.deepEqual(kept, [{ kind: 'kept' }]);
  });

  test('a server that takes connections and never answers: the write fails with one line within its timeouts, no hang', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const store = openPostgresStore({ url: `postgres://agent@127.0.0.1:${port}/postgres`, repository: 'x', connectTimeoutMs: 300, statementTimeoutMs: 300 });
      opened.push(store);
      await assert.rejects(
        store.write(function* () {
          yield* get('SELECT 1 AS x');
        }),
        new RegExp(`^PostgresStoreError: postgres 127\\.0\\.0\\.1:${port}/postgres: (no connection within|no answer within)`),
      );
    } finally {
      silent.close();
    }
  });

  test('a repository id becomes a plain schema name and a lock key; different ids, different schemas', () => {
    const odd = repositoryPlace('git@Example.COM:Team/$(rm -rf)/"x".git');
    assert.match(odd.schema, /^agent_lease_[a-z0-9_]+$/);
    assert.ok(odd.schema.length <= 63);
    assert.match(odd.lockKey, /^-?\d+$/);
    assert.notEqual(repositoryPlace('github.com/a/b').schema, repositoryPlace('github.com/a/b/').schema);
    assert.match(repositoryPlace('').schema, /^agent_lease_[0-9a-f]{8}$/);
  });
});
