// Lease library throughput and lookup cost.
//  1. acquire+release cycles per second with 1, 4 and 16 processes (each on its own path, so the
//     figure is the store's write throughput), as a ratio to one process.
//  2. `check` of 1,000 paths against 10,000 live leases (exact paths and globs), as a ratio to
//     the same check against an empty store.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquire, check } from '../lib/leases';
import { registerSession } from '../lib/sessions';
import { openStore, type Store } from '../lib/store';
import { ratioTable, summarize, type Summary } from './stats';

const WORKER = join(__dirname, '..', 'test', 'support', 'lease-worker.cjs');
const CYCLES = 400;

function runRacer(db: string, session: string, path: string, startAt: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, 'race', db, session, String(CYCLES), path, String(startAt)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => {
      const counts = code === 0 ? (JSON.parse(out) as { errors: number; granted: number }) : null;
      if (counts === null || counts.errors > 0 || counts.granted !== CYCLES) reject(new Error(`racer ${session} failed: ${out}`));
      else resolve();
    });
  });
}

async function throughput(processes: number): Promise<{ opsPerSecond: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'agent-lease-bench-'));
  try {
    const db = join(dir, 'state.db');
    openStore({ path: db }).close();
    const startAt = Date.now() + 300 + processes * 60;
    await Promise.all(Array.from({ length: processes }, (_, i) => runRacer(db, `p${i}`, `src/own-${i}.ts`, startAt)));
    const seconds = (Date.now() - startAt) / 1000;
    return { opsPerSecond: (processes * CYCLES) / seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 10,000 live leases over 100 sessions: 8,000 exact files and 2,000 globs across 200 directories. */
export function populate(store: Store, total = 10_000): void {
  const sessions = 100;
  const perSession = total / sessions;
  for (let s = 0; s < sessions; s++) {
    registerSession(store, { id: `bench-${s}`, runtime: 'cli' });
    const patterns: string[] = [];
    for (let i = 0; i < perSession; i++) {
      const n = s * perSession + i;
      const dir = `pkg${n % 200}/src/m${n % 7}`;
      patterns.push(i % 5 === 4 ? `${dir}/**/*.gen${n}.ts` : `${dir}/file${n}.ts`);
    }
    const result = acquire(store, `bench-${s}`, patterns, { ttlMs: 3_600_000 });
    if (!result.ok) throw new Error(`populating failed: ${result.conflicts.length} conflicts`);
  }
}

function timeCheck(store: Store, paths: string[], rounds: number, label: string): Summary {
  registerSession(store, { id: 'checker', runtime: 'cli' });
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const started = process.hrtime.bigint();
    check(store, paths, 'checker');
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return summarize(label, samples);
}

export async function main(): Promise<void> {
  const base = await throughput(1);
  const rows = [];
  for (const n of [4, 16]) rows.push({ n, ...(await throughput(n)) });
  console.log('acquire+release throughput (each process on its own path)');
  console.log('processes  ops/s   ratio to 1 process');
  console.log(`${'1'.padStart(9)}  ${base.opsPerSecond.toFixed(0).padStart(5)}   1.00x`);
  for (const row of rows) console.log(`${String(row.n).padStart(9)}  ${row.opsPerSecond.toFixed(0).padStart(5)}   ${(row.opsPerSecond / base.opsPerSecond).toFixed(2)}x`);

  const dir = mkdtempSync(join(tmpdir(), 'agent-lease-bench-'));
  try {
    const empty = openStore({ path: join(dir, 'empty.db') });
    const full = openStore({ path: join(dir, 'full.db') });
    populate(full);
    const paths = Array.from({ length: 1000 }, (_, i) => `pkg${i % 200}/src/m${i % 7}/deep/file${i * 13}.gen${i}.ts`);
    const baseline = timeCheck(empty, paths, 15, 'check 1,000 paths, 0 leases');
    const loaded = timeCheck(full, paths, 15, 'check 1,000 paths, 10,000 leases');
    console.log();
    console.log(ratioTable('check (one read transaction for all paths)', baseline, [loaded]));
    console.log(`per path at 10,000 leases: ${((loaded.median / paths.length) * 1000).toFixed(1)} µs`);
    empty.close();
    full.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
