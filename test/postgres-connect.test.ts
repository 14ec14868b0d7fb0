// Many processes connecting at once (every hook is a process of its own, so a burst of agents is a
// burst of connections): an attempt that is refused, or turned away by a server with too many
// connections, is tried again until the connect budget runs out; then the store fails in one line
// saying how long it tried, and a hook answers with hooks.onStoreError. The budget and the attempt's
// timeout come from the store URL, whose agent-lease parameters never reach the server.
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { listLeases } from '../lib/core/lease-queries';
import { get } from '../lib/core/store';
import { connectionSettings } from '../lib/postgres/connection-settings';
import { openPostgresStore, type PostgresStore } from '../lib/postgres/store';
import { normalizeRemoteUrl } from '../lib/git/identity';
import { makeCliRepo } from './support/cli';
import { fixture, hookEnv, runHookAsync } from './support/hooks';
import { freePort, NO_POSTGRES, sharedPostgres } from './support/postgres';

/** The first message of FATAL 53300, as a server with no free connection slot sends it. */
const TOO_MANY = ((): Buffer => {
  const fields = Buffer.from('SFATAL\0C53300\0Msorry, too many clients already\0\0');
  const head = Buffer.alloc(5);
  head.write('E');
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
})();

/** A front for the server at `port` that turns away the first `refusals` connections (or all, with Infinity) as a full server does, and passes the rest through. */
async function turningAway(port: number, refusals: number): Promise<{ url: string; connections: () => number; close: () => void }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const front: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (++connections <= refusals) {
      client.once('data', () => client.end(TOO_MANY));
      return;
    }
    const server = connect(port, '127.0.0.1');
    sockets.add(server);
    client.pipe(server).pipe(client);
    server.on('error', () => client.destroy());
    client.on('error', () => server.destroy());
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const { port: frontPort } = front.address() as { port: number };
  return {
    url: `postgres://agent@127.0.0.1:${frontPort}/postgres`,
    connections: () => connections,
    close: () => {
      for (const socket of sockets) socket.destroy();
      front.close();
    },
  };
}

const opened: PostgresStore[] = [];
after(() => Promise.all(opened.map((store) => store.close())));

function open(url: string): PostgresStore {
  const store = openPostgresStore({ url, repository: `test.invalid/connect/${randomUUID()}` });
  opened.push(store);
  return store;
}

const aWrite = function* () {
  return (yield* get<{ x: number }>('SELECT 1 AS x'))!.x;
};

describe('connecting to PostgreSQL', { skip: NO_POSTGRES }, () => {
  test('turned away three times for too many connections, the fourth attempt connects and the write succeeds', async (t) => {
    const server = await sharedPostgres();
    const front = await turningAway(server.port, 3);
    t.after(front.close);
    assert.equal(await open(front.url).write(aWrite), 1);
    assert.equal(front.connections(), 4);
  });

  test('refused until the budget runs out: one line naming the server, how many attempts and how long', async () => {
    const port = await freePort();
    const store = open(`postgres://agent:secret@127.0.0.1:${port}/postgres?connect_budget=0.6&connect_timeout=0.3`);
    const error = await store.write(aWrite).then(
      () => assert.fail('nothing listens there'),
      (caught: Error) => caught,
    );
    const match = new RegExp(`^postgres 127\\.0\\.0\\.1:${port}/postgres: the server refused the connection: .*\\((\\d+) attempts in \\d\\.\\d s\\)$`).exec(
      error.message,
    );
    assert.ok(match, error.message);
    assert.ok(Number(match[1]) > 1, `tried again: ${error.message}`);
    assert.doesNotMatch(error.message, /secret|\n/);
  });

  test("a server that keeps turning connections away: the budget's end is the store's error, and a later write tries anew", async (t) => {
    const server = await sharedPostgres();
    const front = await turningAway(server.port, Number.POSITIVE_INFINITY);
    t.after(front.close);
    const store = open(`${front.url}?connect_budget=0.5`);
    await assert.rejects(store.write(aWrite), /: the server has too many connections \(\d+ attempts in \d\.\d s\)$/);
    const tried = front.connections();
    assert.ok(tried > 1);
    await assert.rejects(store.write(aWrite), /too many connections/);
    assert.ok(front.connections() > tried + 1, 'the next write had a budget of its own');
  });

  test("agent-lease's own URL parameters are taken out: the server, which refuses a setting it does not know, accepts the connection", async () => {
    const server = await sharedPostgres();
    assert.equal(await open(`${server.url}?connect_timeout=1.5&connect_budget=4&application_name=lease-test`).write(aWrite), 1);
    await assert.rejects(open(`${server.url}?no_such_setting=1`).write(aWrite), /no_such_setting/);
  });
});

test('connect_timeout, connect_budget and pool_mode: read from the URL and taken out of it; nonsense is one line', () => {
  const settings = connectionSettings('postgres://agent@db:5432/leases?connect_timeout=0.5&sslmode=require&connect_budget=2&pool_mode=transaction');
  assert.deepEqual(settings, {
    url: 'postgres://agent@db:5432/leases?sslmode=require',
    server: 'db:5432/leases',
    targetSessionAttrs: undefined,
    connectTimeoutMs: 500,
    connectBudgetMs: 2000,
    prepare: false,
  });
  assert.deepEqual(connectionSettings('postgres://agent@db/leases?connect_timeout=4'), {
    url: 'postgres://agent@db/leases',
    server: 'db:5432/leases',
    targetSessionAttrs: undefined,
    connectTimeoutMs: 4000,
    connectBudgetMs: 4000,
    prepare: true,
  });
  assert.equal(connectionSettings('postgres://agent@db/leases?pool_mode=session').prepare, true);
  for (const bad of ['connect_budget=soon', 'connect_timeout=0', 'connect_budget=-1', 'connect_timeout=', 'connect_budget=600']) {
    assert.throws(
      () => connectionSettings(`postgres://agent@db/leases?${bad}`),
      /^AgentLeaseError: the PostgreSQL store's connect_(timeout|budget) must be a number of seconds above 0 and at most 60$/,
    );
  }
  assert.throws(
    () => connectionSettings('postgres://agent@db/leases?pool_mode=statement'),
    /^AgentLeaseError: the PostgreSQL store's pool_mode must be transaction /,
  );
});

test('a store URL with a connect_budget that is not seconds: `agent-lease store` says so in one line', (t) => {
  const repo = makeCliRepo();
  t.after(() => repo.cleanup());
  repo.git(['remote', 'add', 'origin', 'git@example.com:team/settings.git']);
  const run = repo.cli(['store'], { env: { AGENT_LEASE_STORE: 'postgres://agent:pw@127.0.0.1:1/leases?connect_budget=soon' } });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /AGENT_LEASE_STORE names no store agent-lease can use: the PostgreSQL store's connect_budget must be a number of seconds/);
  assert.doesNotMatch(run.stderr, /pw|\n./);
});

describe('a hook while connections are turned away', { skip: NO_POSTGRES }, () => {
  async function teamRepo(refusals: number, query = '') {
    const server = await sharedPostgres();
    const front = await turningAway(server.port, refusals);
    const repo = makeCliRepo();
    const remote = `git@example.com:team/burst-${randomUUID()}.git`;
    repo.git(['remote', 'add', 'origin', remote]);
    const env = hookEnv(repo.env, { AGENT_LEASE_STORE: `${front.url}${query}` });
    const edit = (file: string) =>
      runHookAsync(
        'pre-tool-use',
        fixture('pre-tool-use.write', repo.root, 'burst-session', { tool_input: { file_path: join(repo.root, file), content: 'x' } }),
        { env },
      );
    return {
      repo,
      edit,
      /** The live leases, read from the server directly. */
      leases: async () => {
        const direct = openPostgresStore({ url: server.url, repository: normalizeRemoteUrl(remote, repo.root)! });
        opened.push(direct);
        return (await listLeases(direct)).map((lease) => lease.pattern);
      },
      cleanup: () => {
        front.close();
        repo.cleanup();
      },
    };
  }

  test('turned away twice: the edit is granted its lease, with no warning', async (t) => {
    const team = await teamRepo(2);
    t.after(team.cleanup);
    const run = await team.edit('src/a.ts');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.json?.hookSpecificOutput?.permissionDecision, undefined);
    assert.equal(run.json?.systemMessage, undefined, run.stdout);
    assert.deepEqual(await team.leases(), ['src/a.ts']);
  });

  test('turned away until the budget runs out: allowed with a warning, or denied, as hooks.onStoreError says', async (t) => {
    const team = await teamRepo(Number.POSITIVE_INFINITY, '?connect_budget=0.5');
    t.after(team.cleanup);
    const allowed = await team.edit('src/a.ts');
    assert.equal(allowed.status, 0);
    assert.equal(allowed.json?.hookSpecificOutput?.permissionDecision, undefined);
    assert.match(
      allowed.json?.systemMessage ?? '',
      /^agent-lease cannot use its store on PostgreSQL 127\.0\.0\.1:\d+\/postgres: .*the server has too many connections \(\d+ attempts in \d\.\d s\).*the edit was allowed WITHOUT a lease/,
    );
    team.repo.write('.agent-lease.json', JSON.stringify({ hooks: { onStoreError: 'deny' } }));
    const denied = await team.edit('src/a.ts');
    assert.equal(denied.json?.hookSpecificOutput?.permissionDecision, 'deny');
    assert.match(denied.json?.hookSpecificOutput?.permissionDecisionReason ?? '', /too many connections \(\d+ attempts in/);
  });
});
