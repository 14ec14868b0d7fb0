// A store URL that names PgBouncer in transaction pooling mode without saying so (no
// `pool_mode=transaction`): statements are prepared by name on one server connection and missed
// on the next, and the store says, in one line naming the server once, to add the parameter.
// Against a real PgBouncer in front of a real PostgreSQL server; the hook through the compiled
// bundle.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Sql } from 'postgres';
import { get } from '../lib/core/store';
import { openPostgresStore } from '../lib/postgres/store';
import { fixture, hookEnv, runHookAsync } from './support/hooks';
import { NO_PGBOUNCER, type Pooler, startPgBouncer } from './support/pgbouncer';
import { NO_POSTGRES, sharedPostgres } from './support/postgres';
import { teamRepo } from './support/team-repo';

const SKIP = NO_POSTGRES || NO_PGBOUNCER;
const HINT =
  /a prepared statement is missing on the server connection: the URL names a pooler in transaction pooling mode \(PgBouncer\), so add pool_mode=transaction to it/;

async function pooler(t: TestContext, roundRobin = false): Promise<Pooler & { unsaid: string }> {
  const started = await startPgBouncer(await sharedPostgres(), { poolSize: 2, roundRobin });
  t.after(started.stop);
  return { ...started, unsaid: started.url.replace('?pool_mode=transaction', '') };
}

/** A client of the pooler that keeps `count` transactions open at once, each on a server connection of its own, until `release`. */
async function holdServerConnections(t: TestContext, url: string, count: number): Promise<() => Promise<void>> {
  const postgres = require('postgres') as typeof import('postgres');
  const sql: Sql = postgres(url, { max: count, prepare: false, onnotice: () => {} });
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let started = 0;
  let allStarted!: () => void;
  const holding = new Promise<void>((resolve) => (allStarted = resolve));
  const transactions = Array.from({ length: count }, () =>
    sql.begin(async (tx) => {
      await tx.unsafe('SELECT 1');
      if (++started === count) allStarted();
      await released;
    }),
  );
  await holding;
  const end = async (): Promise<void> => {
    release();
    await Promise.all(transactions);
    await sql.end({ timeout: 1 });
  };
  t.after(end);
  return end;
}

const aWrite = function* () {
  return (yield* get<{ x: number }>('SELECT ?::int AS x', 7))!.x;
};

test('through PgBouncer in transaction mode without pool_mode=transaction: the transaction on another server connection fails in one line saying to add it', {
  skip: SKIP,
}, async (t) => {
  const bouncer = await pooler(t);
  const store = openPostgresStore({ url: bouncer.unsaid, repository: `test.invalid/pool-mode/${randomUUID()}` });
  t.after(() => store.close());
  assert.equal(await store.write(aWrite), 7, 'the first transaction prepares its statement on the one server connection');
  // That connection is lent to another client: the store's next transaction gets the pool's second one.
  const release = await holdServerConnections(t, bouncer.unsaid, 1);
  const error = await store.write(aWrite).then(
    () => assert.fail('the statement is prepared on the other server connection only'),
    (caught: Error) => caught,
  );
  assert.equal(error.message.split('\n').length, 1, error.message);
  assert.match(error.message, new RegExp(`^postgres 127\\.0\\.0\\.1:${bouncer.port}/postgres: ${HINT.source}$`));
  await release();

  const said = openPostgresStore({ url: bouncer.url, repository: `test.invalid/pool-mode/${randomUUID()}` });
  t.after(() => said.close());
  assert.equal(await said.write(aWrite), 7);
  const again = await holdServerConnections(t, bouncer.unsaid, 1);
  assert.equal(await said.write(aWrite), 7, 'with pool_mode=transaction nothing is prepared by name');
  await again();
});

test('a hook whose store URL names PgBouncer in transaction mode without pool_mode=transaction: allowed with one line naming the server once and saying to add it', {
  skip: SKIP,
}, async (t) => {
  // Round robin over two idle server connections: each transaction of the hook gets the other one.
  const bouncer = await pooler(t, true);
  await (await holdServerConnections(t, bouncer.unsaid, 2))();
  const { repo } = await teamRepo(t, bouncer.unsaid);
  const env = hookEnv(repo.env, { AGENT_LEASE_STORE: bouncer.unsaid });
  const edit = (session: string) =>
    runHookAsync('pre-tool-use', fixture('pre-tool-use.write', repo.root, session, { tool_input: { file_path: join(repo.root, 'src/a.ts'), content: 'x' } }), {
      env,
    });
  const run = await edit('pooled-session');
  assert.equal(run.status, 0, run.stderr);
  const message = run.json?.systemMessage ?? '';
  assert.equal(message.split('\n').length, 1, message);
  assert.match(
    message,
    new RegExp(
      `^agent-lease cannot use its store on PostgreSQL 127\\.0\\.0\\.1:${bouncer.port}/postgres: ${HINT.source}; the edit was allowed WITHOUT a lease`,
    ),
  );
  assert.equal(message.split(`127.0.0.1:${bouncer.port}`).length, 2, `the server is named once: ${message}`);
});
