// Contention: 1, 4, 16 and 32 processes acquiring and releasing leases on the same four paths.
// Reports acquire+release cycles per second, the p99 latency of one acquire, errors, and double
// grants found by replaying the event log; throughput as a ratio to one process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEvents } from '../lib/core/events';
import { openStore } from '../lib/core/sqlite';
import { replayExclusiveGrants } from './replay';
import { runWhenMain, summarize } from './stats';

const WORKER = join(__dirname, '..', 'test', 'support', 'lease-worker.cjs');
const ROUNDS = 150;
const PATHS = ['src/shared/a.ts', 'src/shared/b.ts', 'src/shared/c.ts', 'src/shared/d.ts'].join(',');

interface Counts {
  granted: number;
  denied: number;
  errors: number;
  latencies: number[];
}

function racer(db: string, session: string, startAt: number): Promise<Counts> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, 'race', db, session, String(ROUNDS), PATHS, String(startAt)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Counts) : reject(new Error(`racer ${session} exited ${code}: ${err}`))));
  });
}

export interface ContentionRow {
  processes: number;
  opsPerSecond: number;
  p99: number;
  errors: number;
  doubleGrants: number;
  lostGrants: number;
}

async function measure(processes: number): Promise<ContentionRow> {
  const dir = mkdtempSync(join(tmpdir(), 'agent-lease-bench-'));
  try {
    const db = join(dir, 'state.db');
    await openStore({ path: db }).close();
    // Start together once every process has loaded (about 60 ms each on this machine).
    const startAt = Date.now() + 500 + processes * 80;
    const counts = await Promise.all(Array.from({ length: processes }, (_, i) => racer(db, `p${i}`, startAt)));
    const seconds = (Date.now() - startAt) / 1000;
    const store = openStore({ path: db });
    const replay = replayExclusiveGrants(await readEvents(store));
    await store.close();
    const granted = counts.reduce((sum, c) => sum + c.granted, 0);
    return {
      processes,
      opsPerSecond: (processes * ROUNDS) / seconds,
      p99: summarize(
        'acquire',
        counts.flatMap((c) => c.latencies),
      ).p99,
      errors: counts.reduce((sum, c) => sum + c.errors, 0),
      doubleGrants: replay.doubleGrants.length,
      lostGrants: Math.abs(replay.grants - granted),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(): Promise<ContentionRow[]> {
  const rows: ContentionRow[] = [];
  for (const processes of [1, 4, 16, 32]) rows.push(await measure(processes));
  const base = rows[0]!.opsPerSecond;
  console.log(`contention: N processes x ${ROUNDS} acquire+release cycles on the same 4 paths`);
  console.log('processes   cycles/s  ratio to 1   p99 acquire ms   errors  doubled  lost');
  for (const r of rows) {
    console.log(
      `${String(r.processes).padStart(9)}  ${r.opsPerSecond.toFixed(0).padStart(9)}  ${(r.opsPerSecond / base).toFixed(2).padStart(9)}x  ${r.p99.toFixed(1).padStart(15)}  ${String(r.errors).padStart(7)}  ${String(r.doubleGrants).padStart(7)}  ${String(r.lostGrants).padStart(4)}`,
    );
  }
  return rows;
}

runWhenMain(module, main);
