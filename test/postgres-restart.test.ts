// The PostgreSQL server stopped as a crash stops it (`pg_ctl stop -m immediate`) while writers of
// one repository take and release leases, then started again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { replayExclusiveGrants } from '../bench/replay';
import { acquire } from '../lib/core/acquire';
import { readEvents } from '../lib/core/events';
import { listLeases } from '../lib/core/lease-queries';
import { release } from '../lib/core/release';
import { registerSession } from '../lib/core/sessions';
import { openPostgresStore, type PostgresStore } from '../lib/postgres/store';
import { NO_POSTGRES, startPostgres } from './support/postgres';

const WRITERS = 4;

/** Waits until `done()`, a bounded number of times; fails saying `what` did not happen. */
async function until(done: () => boolean, what: () => string): Promise<void> {
  for (let i = 0; i < 600 && !done(); i++) await sleep(50);
  assert.ok(done(), `${what()} did not happen within 30 s`);
}

test('the server stopped mid-run (pg_ctl stop -m immediate) and started again: one-line errors naming it while it is down, writers go on after, every committed lease is there', {
  skip: NO_POSTGRES,
  timeout: 180_000,
}, async () => {
  const server = await startPostgres();
  const repository = 'test.invalid/restart';
  const stores: PostgresStore[] = Array.from({ length: WRITERS + 1 }, () => openPostgresStore({ url: server.url, repository }));
  try {
    const writers = stores.slice(0, WRITERS);
    for (const [i, store] of writers.entries()) await registerSession(store, { id: `writer-${i}`, runtime: 'cli' });
    type Phase = 'up' | 'down' | 'again';
    let phase: Phase = 'up';
    let stopping = false;
    const grants: Record<Phase, number> = { up: 0, down: 0, again: 0 };
    const errors: Array<{ phase: Phase; name: string; message: string }> = [];
    /** Leases whose grant returned: held, released (the release returned) or unknown (the release failed). */
    const committed = new Map<number, { session: string; state: 'held' | 'released' | 'unknown' }>();

    const write = async (store: PostgresStore, i: number): Promise<void> => {
      const session = `writer-${i}`;
      for (let n = 0; !stopping; n++) {
        let token: number | undefined;
        // A grant counts for a phase only when its call began and returned in it: the stop is
        // synchronous, so a call whose COMMIT the server took just before it returns after it.
        const began = phase;
        try {
          const result = await acquire(store, session, [`src/w${i}/f${n}.ts`], { source: 'edit' });
          if (!result.ok || result.granted.length === 0) continue;
          token = result.granted[0]!.token;
          committed.set(token, { session, state: 'held' });
          if (began === phase) grants[phase]++;
          if (n % 2 === 1) {
            committed.set(token, { session, state: 'unknown' });
            await release(store, session, { tokens: [token] });
            committed.set(token, { session, state: 'released' });
          }
        } catch (error) {
          errors.push({ phase, name: (error as Error).name, message: (error as Error).message });
          await sleep(25);
        }
      }
    };
    const running = writers.map(write);
    await until(
      () => grants.up >= 20,
      () => `twenty grants before the stop (errors: ${JSON.stringify(errors.slice(-3))})`,
    );
    server.crash();
    phase = 'down';
    const before = errors.length;
    await until(
      () => errors.length - before >= 2 * WRITERS,
      () => 'errors from the writers while the server is down',
    );
    server.start();
    phase = 'again';
    await until(
      () => grants.again >= 20,
      () => `twenty grants after the start (errors since: ${JSON.stringify(errors.filter((error) => error.phase === 'again').slice(-3))})`,
    );
    stopping = true;
    await Promise.all(running);

    assert.equal(grants.down, 0, 'nothing was granted while the server was down');
    const down = errors.filter((error) => error.phase === 'down');
    for (const error of errors) {
      assert.equal(error.name, 'PostgresStoreError', error.message);
      assert.equal(error.message.split('\n').length, 1, error.message);
      assert.match(error.message, new RegExp(`^postgres 127\\.0\\.0\\.1:${server.port}/postgres: \\S`));
    }
    assert.ok(
      down.some((error) => /refused the connection|connection was lost/.test(error.message)),
      JSON.stringify(down.slice(0, 3)),
    );

    const checker = stores[WRITERS]!;
    const leases = new Map((await listLeases(checker, { includeInactive: true })).map((lease) => [lease.token, lease]));
    for (const [token, { session, state }] of committed) {
      const lease = leases.get(token);
      assert.ok(lease, `the lease ${token} granted to ${session} is gone`);
      assert.equal(lease.sessionId, session);
      if (state === 'held') assert.equal(lease.releasedAt, null, `the lease ${token} was never released`);
      if (state === 'released') assert.notEqual(lease.releasedAt, null, `the release of ${token} was lost`);
    }
    assert.deepEqual(replayExclusiveGrants(await readEvents(checker)).doubleGrants, []);
  } finally {
    await Promise.all(stores.map((store) => store.close()));
    server.stop();
  }
});
