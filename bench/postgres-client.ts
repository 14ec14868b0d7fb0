// Which PostgreSQL client the store uses: `pg` (node-postgres) or `postgres` (postgres.js), chosen
// by what a hook pays. A hook is a new process that loads the client, connects and runs one
// transaction as the PostgreSQL store does (BEGIN; the advisory lock and the database clock; a read
// and a write; COMMIT). Measured as whole processes against a bare `node -e 0` in the same
// interleaved rounds: loading the client alone, and loading + connecting + the transaction. Then
// the transaction alone on a warm connection, as the resident MCP server runs it.
//
// The store's client (postgres) is a dependency; the other is not: `npm install --no-save pg` first.
// Run: node --import tsx bench/postgres-client.ts [rounds]
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { startPostgres } from '../test/support/postgres';
import { interleave, ratioTable, runWhenMain, summarize, timeCommand } from './stats';

const CLIENTS = ['pg', 'postgres'] as const;
type ClientName = (typeof CLIENTS)[number];

const LOCK_KEY = 1_234_567;
/** The transaction's opening, one simple query (no parameters), as the store sends it. */
const OPENING = `BEGIN; SELECT pg_advisory_xact_lock(${LOCK_KEY}) AS locked, (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now`;
const READ = 'SELECT count(*) AS n FROM bench_leases WHERE prefix = $1';
const WRITE = 'INSERT INTO bench_leases (prefix, acquired_at) VALUES ($1, $2)';
/** One way's delay of the proxy that stands for a database across a network, in milliseconds. */
const REMOTE_DELAY_MS = 5;

/**
 * A script that connects through `client` and runs the transaction once, then `more` times on the
 * same connection, printing the milliseconds each of those took on average.
 */
function script(client: ClientName, url: string, more: number): string {
  const [opening, read, write] = [OPENING, READ, WRITE].map((text) => JSON.stringify(text));
  const connect =
    client === 'pg'
      ? `const { Client } = require('pg');
const c = new Client({ connectionString: ${JSON.stringify(url)} });
const ready = c.connect();
const end = () => c.end();
const transaction = async (i) => {
  const [, { rows }] = await c.query(${opening});
  await c.query(${read}, ['src/' + (i % 10)]);
  await c.query(${write}, ['src/' + (i % 10), rows[0].now]);
  await c.query('COMMIT');
};`
      : `const sql = require('postgres')(${JSON.stringify(url)}, { max: 1, fetch_types: false, onnotice: () => {} });
const ready = Promise.resolve();
const end = () => sql.end();
const transaction = async (i) => {
  const [, [row]] = await sql.unsafe(${opening});
  await sql.unsafe(${read}, ['src/' + (i % 10)]);
  await sql.unsafe(${write}, ['src/' + (i % 10), row.now]);
  await sql.unsafe('COMMIT');
};`;
  return `${connect}
(async () => {
  await ready;
  await transaction(0);
  const started = process.hrtime.bigint();
  for (let i = 1; i <= ${more}; i++) await transaction(i);
  if (${more} > 0) process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6 / ${more}));
  await end();
})().catch((e) => { console.error(e.message); process.exit(1); });`;
}

/** A process forwarding connections on a free port to `port`, each chunk `delayMs` later; its port. */
async function startDelayProxy(port: number, delayMs: number): Promise<{ port: number; stop(): void }> {
  const code = `const net = require('node:net');
const later = (to) => (chunk) => setTimeout(() => to.destroyed || to.write(chunk), ${delayMs});
const server = net.createServer((client) => {
  const upstream = net.connect(${port}, '127.0.0.1');
  client.on('data', later(upstream));
  upstream.on('data', later(client));
  for (const [a, b] of [[client, upstream], [upstream, client]]) {
    a.on('close', () => setTimeout(() => b.destroy(), ${delayMs}));
    a.on('error', () => b.destroy());
  }
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return { port: Number(String(line).trim()), stop: () => child.kill() };
}

function timeNode(code: string): number {
  return timeCommand(process.execPath, ['-e', code]);
}

export async function main(rounds = Number(process.argv[2] ?? 30)): Promise<void> {
  const missing = CLIENTS.filter((client) => {
    try {
      require.resolve(client);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) throw new Error(`not installed: ${missing.join(', ')} (npm install --no-save pg)`);
  const server = await startPostgres();
  try {
    execFileSync(process.execPath, [
      '-e',
      `const { Client } = require('pg'); const c = new Client({ connectionString: ${JSON.stringify(server.url)} });
c.connect().then(() => c.query('CREATE TABLE bench_leases (token bigserial PRIMARY KEY, prefix text NOT NULL, acquired_at bigint NOT NULL)')).then(() => c.end());`,
    ]);
    const proxy = await startDelayProxy(server.port, REMOTE_DELAY_MS);
    const remote = server.url.replace(`:${server.port}/`, `:${proxy.port}/`);
    try {
      const summaries = await interleave(
        [
          { label: 'node -e 0', run: () => timeNode('0') },
          ...CLIENTS.map((client) => ({ label: `require('${client}')`, run: () => timeNode(`require('${client}')`) })),
          ...CLIENTS.map((client) => ({ label: `${client}: require, connect, 1 transaction`, run: () => timeNode(script(client, server.url, 0)) })),
          ...CLIENTS.map((client) => ({
            label: `${client}: the same, ${2 * REMOTE_DELAY_MS} ms round trips`,
            run: () => timeNode(script(client, remote, 0)),
          })),
        ],
        rounds,
      );
      console.log(ratioTable(`PostgreSQL clients, one hook-like process each (${rounds} interleaved rounds)`, summaries[0]!, summaries.slice(1)));
    } finally {
      proxy.stop();
    }
    const warm = CLIENTS.map((client) =>
      summarize(
        `${client}: 1 transaction, warm connection`,
        Array.from({ length: 5 }, () => Number(execFileSync(process.execPath, ['-e', script(client, server.url, 200)], { encoding: 'utf8' }))),
      ),
    );
    for (const s of warm) console.log(`${s.label}: median of 5 runs of 200: ${s.median.toFixed(3)} ms`);
  } finally {
    server.stop();
  }
}

runWhenMain(module, main);
