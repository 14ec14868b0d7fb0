// One process of bench/team-mode.ts, on the compiled library: registers its session, says "ready",
// reads the start time (epoch ms) on stdin, then for durationMs acquires a file of its own and
// releases it, again and again; prints each cycle's latency (ms) and the errors (a statement
// timeout under contention) as JSON. Its host is AGENT_LEASE_TEST_HOST (two simulated hosts).
//   node bench/team-worker.cjs <location> <session> <durationMs>
// location: a SQLite file, or postgres://…#<repository id>
const { acquire } = require('../dist/lib/core/acquire.js');
const { release } = require('../dist/lib/core/release.js');
const { registerSession } = require('../dist/lib/core/sessions.js');

const [location, session, durationMs] = process.argv.slice(2);

function open() {
  if (!location.startsWith('postgres://')) return require('../dist/lib/core/sqlite.js').openStore({ path: location });
  const url = new URL(location);
  const repository = decodeURIComponent(url.hash.slice(1));
  url.hash = '';
  return require('../dist/lib/postgres/store.js').openPostgresStore({ url: url.toString(), repository });
}

async function main() {
  const store = open();
  const latencies = [];
  const errors = [];
  let registered = false;
  for (let attempt = 0; !registered && attempt < 20; attempt++) {
    try {
      await registerSession(store, { id: session, runtime: 'cli' });
      registered = true;
    } catch (error) {
      errors.push(`registering: ${String(error.message).split('\n')[0]}`);
    }
  }
  process.stdout.write('ready\n');
  const startAt = await new Promise((resolve) => process.stdin.once('data', (chunk) => resolve(Number(String(chunk).trim()))));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  const end = startAt + Number(durationMs);
  for (let i = 0; registered && Date.now() < end; i++) {
    const started = process.hrtime.bigint();
    try {
      const result = await acquire(store, session, [`work/${session}/f${i % 20}.ts`], { source: 'edit' });
      if (!result.ok) throw new Error('a file of its own was denied');
      await release(store, session, { tokens: [result.granted[0].token] });
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    } catch (error) {
      // A timeout under contention is a figure too: counted, with its first line.
      errors.push(String(error.message).split('\n')[0]);
    }
  }
  process.stdout.write(`${JSON.stringify({ cycles: latencies.length, latencies, errors })}\n`);
  await store.close();
}

main().catch((error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
