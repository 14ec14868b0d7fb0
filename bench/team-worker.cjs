// One process of bench/team-mode.ts, on the compiled library: connects (a read), registers its
// session (a write), says "ready", reads the start time (epoch ms) on stdin, then for durationMs acquires
// a file of its own and releases it, again and again; prints each cycle's latency (ms), how long
// connecting and registering took, and each error's phase, code and first line, as JSON. Its host is
// AGENT_LEASE_TEST_HOST (two simulated hosts).
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

function failure(phase, error) {
  return { phase, code: error.code === undefined ? null : String(error.code), message: String(error.message).split('\n')[0] };
}

async function main() {
  const store = open();
  const latencies = [];
  const errors = [];
  // As a hook does, at once and one try each: connect (a read, no lock), then register (a write);
  // a process that could not do both does no cycles.
  const connectStarted = Date.now();
  let registered = false;
  let registerStarted = connectStarted;
  try {
    await store.health();
    registerStarted = Date.now();
    await registerSession(store, { id: session, runtime: 'cli' });
    registered = true;
  } catch (error) {
    errors.push(failure(registerStarted === connectStarted ? 'connect' : 'register', error));
  }
  const connectMs = registerStarted - connectStarted;
  const registerMs = Date.now() - registerStarted;
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
      // A timeout under contention is a figure too: counted, by its code.
      errors.push(failure('cycle', error));
    }
  }
  process.stdout.write(`${JSON.stringify({ cycles: latencies.length, latencies, errors, connectMs, registerMs })}\n`);
  await store.close();
}

main().catch((error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
