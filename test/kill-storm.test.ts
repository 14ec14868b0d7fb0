import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { overlaps } from '../lib/globs';
import { listLeases } from '../lib/leases';
import { openStore } from '../lib/store';
import { makeStore } from './support/store';

const WORKER = join(__dirname, 'support', 'lease-worker.cjs');
const KILLS = Number(process.env.AGENT_LEASE_KILLS ?? 200);
const AT_ONCE = 4;

/** Starts a churning writer, kills it with SIGKILL after a random delay, returns the tokens it saw committed. */
function churnAndKill(db: string, session: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, 'churn', db, session], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
      if (out.startsWith('ready') && !child.killed) setTimeout(() => child.kill('SIGKILL'), 5 + Math.random() * 60);
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer ended by itself (${code}): ${err}`));
      resolve([...out.matchAll(/^granted (\d+)$/gm)].map((m) => Number(m[1])));
    });
  });
}

test(`${KILLS} writers killed with SIGKILL inside write transactions: the store always opens, nothing committed is lost, no lease is doubled`, async () => {
  const t = makeStore();
  try {
    let committed: number[] = [];
    for (let done = 0; done < KILLS; done += AT_ONCE) {
      const batch = await Promise.all(Array.from({ length: Math.min(AT_ONCE, KILLS - done) }, (_, i) => churnAndKill(t.path, `writer-${done + i}`)));
      committed = committed.concat(...batch);

      const db = new Database(t.path);
      assert.equal(db.pragma('quick_check', { simple: true }), 'ok', `after ${done + AT_ONCE} kills`);
      db.close();
    }
    const store = openStore({ path: t.path });
    const all = listLeases(store, { includeInactive: true });
    const tokens = new Set(all.map((lease) => lease.token));
    for (const token of committed) assert.ok(tokens.has(token), `committed grant ${token} was lost`);
    const unreleased = all.filter((lease) => lease.releasedAt === null);
    for (const a of unreleased) {
      for (const b of unreleased) {
        if (a.token < b.token && a.sessionId !== b.sessionId) {
          assert.equal(overlaps(a, b), false, `tokens ${a.token} and ${b.token} overlap, held by ${a.sessionId} and ${b.sessionId}`);
        }
      }
    }
    assert.ok(committed.length > KILLS, `the writers did commit work before dying (${committed.length} grants)`);
    store.close();
  } finally {
    t.cleanup();
  }
});
