// A separate process using the compiled library, driven by the concurrency tests.
//   race <db> <session> <rounds> <paths> <startAt>  from startAt (epoch ms) on, acquire one of the
//                                         comma-separated paths then release it; report counts and
//                                         each acquire's latency (ms) as JSON
//   hold <db> <session> <path>            lease the path as this live process, say "held", then keep writing
//   churn <db> <session>                  as this live process, take and release leases on 20 paths in
//                                         long write transactions, printing each committed grant
//   open <db>                             open the store (migrating it if need be) and exit
// <db> is a store location (test/support/engines.ts): SQLite's file, or a PostgreSQL URL with the
// repository as its fragment.
const lib = require('../../dist/lib/index.js');

function openAt(location) {
  if (!location.startsWith('postgres://')) return lib.openStore({ path: location });
  const url = new URL(location);
  const repository = decodeURIComponent(url.hash.slice(1));
  url.hash = '';
  return require('../../dist/lib/postgres/store.js').openPostgresStore({ url: url.toString(), repository });
}

const [mode, db, session, third, fourth, fifth] = process.argv.slice(2);

async function run() {
  if (mode === 'open') {
    await openAt(db).close();
    return;
  }
  const store = openAt(db);
  if (mode === 'race') {
    await lib.registerSession(store, { id: session, runtime: 'cli' });
    const counts = { granted: 0, denied: 0, errors: 0, busy: 0, latencies: [] };
    const paths = fourth.split(',');
    // Every racer starts at the same moment, so that all of them really overlap.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, Number(fifth) - Date.now()));
    for (let round = 0; round < Number(third); round++) {
      try {
        const started = process.hrtime.bigint();
        const result = await lib.acquire(store, session, [paths[round % paths.length]], { source: 'edit' });
        counts.latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (result.ok) {
          counts.granted++;
          await lib.release(store, session, { tokens: [result.granted[0].token] });
        } else {
          counts.denied++;
        }
      } catch (error) {
        counts.errors++;
        if (lib.isBusyError(error)) counts.busy++;
        process.stderr.write(`${error.code}: ${error.message}\n`);
      }
    }
    process.stdout.write(JSON.stringify(counts));
    await store.close();
    return;
  }
  if (mode === 'hold') {
    await lib.registerSession(store, { id: session, runtime: 'claude-code', process: lib.identify(process.pid) });
    const result = await lib.acquire(store, session, [third], { source: 'edit' });
    if (!result.ok) throw new Error('could not take the lease to hold');
    process.stdout.write('held\n');
    for (let i = 0; ; i++) {
      await lib.acquire(store, session, [`scratch/${i % 50}.ts`], { source: 'edit' });
      await lib.release(store, session, { patterns: [`scratch/${(i + 25) % 50}.ts`] });
    }
  }
  if (mode === 'churn') {
    await lib.registerSession(store, { id: session, runtime: 'claude-code', process: lib.identify(process.pid) });
    process.stdout.write('ready\n');
    for (let i = 0; ; i++) {
      const path = `src/f${Math.floor(Math.random() * 20)}.ts`;
      const result = await lib.acquire(store, session, [path], { source: 'edit' });
      // A long write transaction of log writes after each grant makes a kill land inside one most of the time.
      await store.write(function* () {
        for (let n = 0; n < 40; n++) yield* lib.recordEvent(store, { kind: 'renew', sessionId: session, pattern: path, detail: { padding: n } });
      });
      if (result.ok && result.granted.length > 0) process.stdout.write(`granted ${result.granted[0].token}\n`);
      if (i % 3 === 0) await lib.release(store, session, { all: true });
    }
  }
  throw new Error(`unknown mode ${mode}`);
}

run().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
