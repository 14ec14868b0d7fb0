import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { acquire } from '../lib/core/acquire';
import { listLeases } from '../lib/core/lease-queries';
import { readEvents } from '../lib/core/events';
import { registerSession } from '../lib/core/sessions';
import { openStore } from '../lib/core/sqlite';
import { replayExclusiveGrants } from '../bench/replay';
import { forEachEngine, makeEngineStore, WITH_POOLER } from './support/engines';
import { makeStore } from './support/store';

const WORKER = join(__dirname, 'support', 'lease-worker.cjs');

function runWorker(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

forEachEngine((engine) => {
  test('16 processes racing for one path: one holder at a time, no busy error escapes', async () => {
    const t = makeEngineStore(engine);
    try {
      const processes = 16;
      // Every PostgreSQL statement is a round trip, and the writers take turns: fewer rounds there.
      const rounds = engine === 'sqlite' ? 200 : 60;
      const startAt = String(Date.now() + 2000);
      const results = await Promise.all(
        Array.from({ length: processes }, (_, i) => runWorker(['race', t.location, `racer-${i}`, String(rounds), 'hot/file.ts', startAt])),
      );
      const counts = results.map((r) => {
        assert.equal(r.code, 0, r.stderr);
        return JSON.parse(r.stdout) as { granted: number; denied: number; errors: number; busy: number };
      });
      assert.equal(
        counts.reduce((sum, c) => sum + c.errors, 0),
        0,
        'no errors, SQLITE_BUSY or other',
      );
      assert.equal(
        counts.reduce((sum, c) => sum + c.granted + c.denied, 0),
        processes * rounds,
      );

      const replay = replayExclusiveGrants(await readEvents(t.store));
      assert.deepEqual(replay.doubleGrants, []);
      assert.equal(
        replay.grants,
        counts.reduce((sum, c) => sum + c.granted, 0),
      );
      // Contention: attempts were denied because another process held the path. (How many racers win
      // is up to the scheduler: a winner releases and asks again within microseconds.)
      const winners = counts.filter((c) => c.granted > 0).length;
      const denied = counts.reduce((sum, c) => sum + c.denied, 0);
      assert.ok(denied > 0, `contention was real: ${winners} of ${processes} processes won the path, ${denied} attempts were denied`);
    } finally {
      await t.cleanup();
    }
  });
}, WITH_POOLER);

test('a holder killed with SIGKILL mid-write: the store opens clean, its lease survives, then is reclaimable', async () => {
  const t = makeStore();
  await t.store.close();
  const store = openStore({ path: t.path });
  try {
    const child = spawn(process.execPath, [WORKER, 'hold', t.path, 'doomed', 'src/held.ts'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk) => String(chunk).includes('held') && resolve());
      child.on('exit', (code) => reject(new Error(`holder exited early with ${code}`)));
    });
    await registerSession(store, { id: 'other', runtime: 'cli' });
    assert.equal((await acquire(store, 'other', ['src/held.ts'])).ok, false, 'the live holder keeps its lease');
    await new Promise((resolve) => setTimeout(resolve, 150));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const check = new Database(t.path);
    assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
    check.close();
    const held = (await listLeases(store, { includeInactive: true })).find((lease) => lease.pattern === 'src/held.ts' && lease.sessionId === 'doomed');
    assert.ok(held, 'the committed lease is still there');
    assert.equal(held.releasedAt, null);
    assert.ok((await readEvents(store, { kinds: ['grant'] })).length > 1, 'the holder was writing when it died');
    const result = await acquire(store, 'other', ['src/held.ts']);
    assert.equal(result.ok, true, 'reclaimable once the process is seen dead');
    assert.equal((await readEvents(store, { kinds: ['takeover'] })).at(-1)!.sessionId, 'doomed');
  } finally {
    await store.close();
    await t.cleanup();
  }
});

test('30 processes opening a fresh store at once all succeed, and exactly one migrates', async () => {
  const t = makeStore();
  await t.store.close();
  const fresh = join(t.dir, 'fresh.db');
  try {
    const results = await Promise.all(Array.from({ length: 30 }, () => runWorker(['open', fresh])));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const store = openStore({ path: fresh });
    assert.equal((await readEvents(store, { kinds: ['migrate'] })).length, 1);
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    await store.close();
  } finally {
    await t.cleanup();
  }
});
