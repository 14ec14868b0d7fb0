// A PostgreSQL store whose server was found unreachable (stopped, or taking connections and never
// answering) fails its next transactions at once with the same error, and so does another store
// of that server in the process (a hook opens its store anew after a failure), until
// UNREACHABLE_FOR_MS have passed on the store's clock; then it tries the server again, and a
// server that is back serves it (a resident process keeps its store across an outage).
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { get } from '../lib/core/store';
import { openPostgresStore, type PostgresStore } from '../lib/postgres/store';
import { UNREACHABLE_FOR_MS } from '../lib/postgres/unreachable';
import { NO_POSTGRES, type PostgresServer, startPostgres } from './support/postgres';
import { silentServer } from './support/silent-server';

const aRead = function* () {
  return (yield* get<{ x: number }>('SELECT 1 AS x'))!.x;
};

/** A clock that stands still until moved. */
function stillClock(): { clock: () => number; pass(ms: number): void } {
  let now = Date.now();
  return { clock: () => now, pass: (ms) => (now += ms) };
}

function failure(pending: Promise<unknown>): Promise<Error> {
  return pending.then(
    () => assert.fail('the server cannot be used'),
    (error: Error) => error,
  );
}

function opened(t: TestContext, url: string, clock: () => number): PostgresStore {
  const store = openPostgresStore({ url, repository: `test.invalid/unreachable/${randomUUID()}`, clock });
  t.after(() => store.close());
  return store;
}

test('a server that takes connections and never answers: one connect budget, then the same error at once, from this store and another of that server, until the time has passed', async (t) => {
  const silent = await silentServer(t);
  const port = silent.port;
  const url = `postgres://agent@127.0.0.1:${port}/postgres?connect_timeout=0.3&connect_budget=0.3`;
  const time = stillClock();
  const store = opened(t, url, time.clock);

  const first = await failure(store.read(aRead));
  assert.match(first.message, new RegExp(`^postgres 127\\.0\\.0\\.1:${port}/postgres: no connection within the connect timeout`));
  assert.equal(silent.connections(), 1);
  assert.equal(await failure(store.write(aRead)), first, 'the next transaction: the same error, without connecting');
  assert.equal(await failure(opened(t, url, time.clock).read(aRead)), first, 'a store opened anew on that server: the same');
  assert.equal(silent.connections(), 1, 'nobody connected again');

  time.pass(UNREACHABLE_FOR_MS - 1);
  assert.equal(await failure(store.read(aRead)), first);
  assert.equal(silent.connections(), 1);
  time.pass(1);
  const later = await failure(store.read(aRead));
  assert.notEqual(later, first, 'tried again');
  assert.equal(silent.connections(), 2);
});

describe('a stopped server', { skip: NO_POSTGRES }, () => {
  let server: PostgresServer;
  before(async () => {
    server = await startPostgres();
  });
  after(() => server.stop());

  test('stopped: refused, then the same error at once even once it is back; after the time has passed the same store works again', async (t) => {
    const time = stillClock();
    const store = opened(t, `${server.url}?connect_budget=0.3`, time.clock);
    assert.equal(await store.read(aRead), 1);
    server.crash();
    const refused = await failure(store.read(aRead));
    assert.match(refused.message, new RegExp(`^postgres 127\\.0\\.0\\.1:${server.port}/postgres: the server refused the connection`));
    server.start();
    assert.equal(await failure(store.write(aRead)), refused, 'not tried: the server would have answered');
    time.pass(UNREACHABLE_FOR_MS);
    assert.equal(await store.read(aRead), 1, 'tried again, and it is back');
    assert.equal(await store.write(aRead), 1);
  });
});
