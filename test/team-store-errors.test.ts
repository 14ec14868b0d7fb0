// What a hook says when its PostgreSQL store fails, through the compiled bundle: one line that
// names the server once, then why, for every kind of failure: refused, no answer within the
// connect timeout, the user turned away, no turn at the repository lock (55P03), a standby (25006).
import { before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Sql } from 'postgres';
import { repositoryPlace } from '../lib/postgres/server';
import { fixture, hookEnv, runHookAsync } from './support/hooks';
import { freePort, NO_POSTGRES, type PostgresServer, sharedPostgres, startStandby } from './support/postgres';
import { silentServer } from './support/silent-server';
import { teamRepo } from './support/team-repo';

let server: PostgresServer;
before(async () => {
  if (NO_POSTGRES === false) server = await sharedPostgres();
});

/**
 * The edit hook's line against `url` (`server`: how the line names it): one line, the server named
 * once, then `why`; allowed without a lease (hooks.onStoreError "allow").
 */
async function assertSaid(
  t: TestContext,
  url: string,
  server: string,
  why: RegExp,
  during?: (repository: string) => Promise<() => Promise<void>>,
): Promise<void> {
  const { repo, repository } = await teamRepo(t, url);
  const done = await during?.(repository);
  const run = await runHookAsync(
    'pre-tool-use',
    fixture('pre-tool-use.write', repo.root, 'errors-session', { tool_input: { file_path: join(repo.root, 'src/a.ts'), content: 'x' } }),
    { env: hookEnv(repo.env, { AGENT_LEASE_STORE: url }), timeout: 10_000 },
  );
  await done?.();
  assert.equal(run.status, 0, run.stderr);
  const message = run.json?.systemMessage ?? '';
  assert.equal(message.split('\n').length, 1, message);
  const named = server.replace(/[.]/g, '\\.');
  assert.match(message, new RegExp(`^agent-lease cannot use its store on PostgreSQL ${named}: ${why.source}.*; the edit was allowed WITHOUT a lease`));
  assert.equal(message.split(server.split('/')[0]!).length, 2, `the server is named once: ${message}`);
  assert.doesNotMatch(message, /postgres 127|: postgres /, message);
}

test('refused', async (t) => {
  const port = await freePort();
  await assertSaid(
    t,
    `postgres://agent@127.0.0.1:${port}/postgres?connect_budget=0.3`,
    `127.0.0.1:${port}/postgres`,
    /the server refused the connection: is it running, on that host and port\? \(\d+ attempts? in \d\.\d s\)/,
  );
});

test('no answer within the connect timeout', async (t) => {
  const { port } = await silentServer(t);
  await assertSaid(
    t,
    `postgres://agent@127.0.0.1:${port}/postgres?connect_timeout=0.5&connect_budget=0.5`,
    `127.0.0.1:${port}/postgres`,
    /no connection within the connect timeout: the server is down, slow or unreachable \(1 attempt in \d\.\d s\)/,
  );
});

test('the user turned away', { skip: NO_POSTGRES }, async (t) => {
  await assertSaid(
    t,
    server.url.replace('agent@', 'nobody_here@'),
    `127.0.0.1:${server.port}/postgres`,
    /the server refused the user or password \(PGPASSWORD, ~\/\.pgpass\)/,
  );
});

test('no turn at the repository lock (55P03)', { skip: NO_POSTGRES }, async (t) => {
  await assertSaid(t, server.url, `127.0.0.1:${server.port}/postgres`, /no turn at the repository lock within the lock wait/, async (repository) => {
    const postgres = require('postgres') as typeof import('postgres');
    const sql: Sql = postgres(server.url, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const transaction = sql.begin(async (tx) => {
      await tx.unsafe(`SELECT pg_advisory_xact_lock(${repositoryPlace(repository).lockKey})`);
      locked();
      await released;
    });
    await holding;
    const end = async (): Promise<void> => {
      release();
      await transaction;
      await sql.end({ timeout: 1 });
    };
    t.after(end);
    return end;
  });
});

test('a standby (25006)', { skip: NO_POSTGRES }, async (t) => {
  const standby = await startStandby(server);
  t.after(() => standby.stop());
  await assertSaid(t, standby.url, `127.0.0.1:${standby.port}/postgres`, /the server is a standby, which takes no writes: name the primary/);
});
