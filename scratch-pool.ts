import { startPostgres } from './test/support/postgres';
import { startPgBouncer } from './test/support/pgbouncer';
import { openPostgresStore } from './lib/postgres/store';
import { registerSession } from './lib/core/sessions';
import { acquire } from './lib/core/acquire';
(async () => {
  const server = await startPostgres();
  const pool = await startPgBouncer(server);
  const store = openPostgresStore({ url: pool.url, repository: 'x/y' });
  await registerSession(store, { id: 's', runtime: 'cli' });
  console.log(await acquire(store, 's', ['a.ts']));
  const other = openPostgresStore({ url: pool.url, repository: 'x/y' });
  await registerSession(other, { id: 't', runtime: 'cli' });
  console.log((await acquire(other, 't', ['a.ts'])).ok);
  await store.compact();
  await store.close(); await other.close(); pool.stop(); server.stop();
})().catch((e) => { console.error('ERR', e); process.exit(1); });
