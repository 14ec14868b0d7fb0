// Which PostgreSQL client the store uses: `pg` (node-postgres) or `postgres` (postgres.js), chosen
// by what a hook pays. A hook is a new process that loads the client, connects and runs one
// transaction as the PostgreSQL store does (BEGIN; the advisory lock and the database clock; a read
// and a write; COMMIT). Measured as whole processes against a bare `node -e 0` in the same
// interleaved rounds: loading the client alone, and loading + connecting + the transaction. Then
// the transaction alone on a warm connection, as the resident MCP server runs it.
//
// The store's client (postgres) is a dependency; the other is not: `npm install --no-save pg` first.
// Run: node --import tsx bench/postgres-client.ts [rounds]
import { execFileSync } from 'node:child_process';
import { startPostgres } from '../test/support/postgres';
import { interleave, ratioTable, runWhenMain, summarize, timeCommand } from './stats';

const CLIENTS = ['pg', 'postgres'] as const;
type ClientName = (typeof CLIENTS)[number];

const LOCK_KEY = 1_234_567;
const TRANSACTION = [
  'SELECT pg_advisory_xact_lock($1::bigint) AS locked, (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now',
  'SELECT count(*) AS n FROM bench_leases WHERE prefix = $1',
  'INSERT INTO bench_leases (prefix, acquired_at) VALUES ($1, $2)',
];

/**
 * A script that connects through `client` and runs the transaction once, then `more` times on the
 * same connection, printing the milliseconds each of those took on average.
 */
function script(client: ClientName, url: string, more: number): string {
  const [lock, read, write] = TRANSACTION.map((text) => JSON.stringify(text));
  const connect =
    client === 'pg'
      ? `const { Client } = require('pg');
const c = new Client({ connectionString: ${JSON.stringify(url)} });
const ready = c.connect();
const end = () => c.end();
const transaction = async (i) => {
  await c.query('BEGIN');
  const { rows } = await c.query(${lock}, [${LOCK_KEY}]);
  await c.query(${read}, ['src/' + (i % 10)]);
  await c.query(${write}, ['src/' + (i % 10), rows[0].now]);
  await c.query('COMMIT');
};`
      : `const sql = require('postgres')(${JSON.stringify(url)}, { max: 1, fetch_types: false, onnotice: () => {} });
const ready = Promise.resolve();
const end = () => sql.end();
const transaction = (i) =>
  sql.begin(async (tx) => {
    const [row] = await tx.unsafe(${lock}, [${LOCK_KEY}]);
    await tx.unsafe(${read}, ['src/' + (i % 10)]);
    await tx.unsafe(${write}, ['src/' + (i % 10), row.now]);
  });`;
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
    const summaries = interleave(
      [
        { label: 'node -e 0', run: () => timeNode('0') },
        ...CLIENTS.map((client) => ({ label: `require('${client}')`, run: () => timeNode(`require('${client}')`) })),
        ...CLIENTS.map((client) => ({ label: `${client}: require + connect + 1 transaction`, run: () => timeNode(script(client, server.url, 0)) })),
      ],
      rounds,
    );
    console.log(ratioTable(`PostgreSQL clients, one hook-like process each (${rounds} interleaved rounds)`, summaries[0]!, summaries.slice(1)));
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
