// Scale: `check` of 1,000 paths against 10,000 live leases (as a ratio to the same check against
// an empty store), and store size and `gc` time after 1,000,000 logged events (as a ratio to gc
// after 10,000 events).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../lib/core/lease-queries';
import { gc } from '../lib/core/gc';
import { registerSession } from '../lib/core/sessions';
import { openStore, type SqliteStore } from '../lib/core/sqlite';
import type { Store } from '../lib/core/store';
import { populateLeases } from './fixtures';
import { ratioTable, runWhenMain, summarize, type Summary } from './stats';

const DAY = 86_400_000;

async function timeCheck(store: Store, paths: string[], label: string): Promise<Summary> {
  await registerSession(store, { id: 'checker', runtime: 'cli' });
  const samples: number[] = [];
  for (let round = 0; round < 15; round++) {
    const started = process.hrtime.bigint();
    await check(store, paths, 'checker');
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return summarize(label, samples);
}

/** `count` events spread evenly over the last 30 days, written in one transaction. */
function logEvents(store: SqliteStore, count: number): void {
  const insert = store.db.prepare('INSERT INTO events (at, kind, session_id, token, pattern, detail) VALUES (?, ?, ?, ?, ?, ?)');
  const now = store.now();
  store.db.transaction(() => {
    for (let i = 0; i < count; i++) {
      insert.run(
        now - Math.floor((i / count) * 30 * DAY),
        i % 3 === 0 ? 'grant' : i % 3 === 1 ? 'renew' : 'release',
        `s${i % 100}`,
        i,
        `pkg${i % 200}/src/file${i}.ts`,
        '{"mode":"exclusive","source":"edit"}',
      );
    }
  })();
}

async function gcAfter(dir: string, events: number): Promise<{ ms: number; sizeBefore: number; sizeAfter: number; deleted: number }> {
  const path = join(dir, `events-${events}.db`);
  const store = openStore({ path });
  logEvents(store, events);
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  const sizeBefore = statSync(path).size;
  const started = process.hrtime.bigint();
  const result = await gc(store, { retentionMs: 7 * DAY });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  const sizeAfter = statSync(path).size;
  await store.close();
  return { ms, sizeBefore, sizeAfter, deleted: result.deletedEvents };
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'agent-lease-bench-'));
  try {
    const empty = openStore({ path: join(dir, 'empty.db') });
    const full = openStore({ path: join(dir, 'full.db') });
    await populateLeases(full);
    const paths = Array.from({ length: 1000 }, (_, i) => `pkg${i % 200}/src/m${i % 7}/deep/file${i * 13}.gen${i}.ts`);
    const baseline = await timeCheck(empty, paths, 'check 1,000 paths, 0 leases');
    const loaded = await timeCheck(full, paths, 'check 1,000 paths, 10,000 leases');
    console.log(ratioTable('scale: check (one read transaction for all paths)', baseline, [loaded]));
    console.log(`per path at 10,000 leases: ${((loaded.median / paths.length) * 1000).toFixed(1)} µs`);
    await empty.close();
    await full.close();

    const small = await gcAfter(dir, 10_000);
    const large = await gcAfter(dir, 1_000_000);
    const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    console.log();
    console.log('scale: gc with 7-day retention over events spread across 30 days');
    console.log('events      store before  store after  deleted    gc ms   ratio to 10,000');
    for (const [count, r] of [
      [10_000, small],
      [1_000_000, large],
    ] as const) {
      console.log(
        `${count.toLocaleString('en').padStart(9)}  ${mb(r.sizeBefore).padStart(12)}  ${mb(r.sizeAfter).padStart(11)}  ${String(r.deleted).padStart(7)}  ${r.ms.toFixed(0).padStart(7)}  ${(r.ms / small.ms).toFixed(1).padStart(14)}x`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runWhenMain(module, main);
