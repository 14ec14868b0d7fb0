import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../lib/core/migrations';
import { openStore, StoreMissingError, withBusyRetry } from '../lib/core/sqlite';
import { get } from '../lib/core/store';
import { defaultStorePath } from '../lib/git/store-location';
import { makeRepo } from './support/git-repo';

test('the store lives under the git common dir, shared by worktrees; AGENT_LEASE_DB overrides it', async () => {
  const repo = makeRepo();
  const saved = process.env.AGENT_LEASE_DB;
  try {
    delete process.env.AGENT_LEASE_DB;
    const linked = repo.addWorktree('feature');
    const path = defaultStorePath(repo.root);
    assert.equal(path, join(repo.root, '.git', 'agent-lease', 'state.db'));
    assert.equal(defaultStorePath(linked), path);
    process.env.AGENT_LEASE_DB = join(repo.base, 'custom.db');
    assert.equal(defaultStorePath(linked), join(repo.base, 'custom.db'));
  } finally {
    if (saved === undefined) delete process.env.AGENT_LEASE_DB;
    else process.env.AGENT_LEASE_DB = saved;
    repo.cleanup();
  }
});

test('opening creates the store in WAL mode at the latest schema; mustExist does not create it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-lease-store-'));
  try {
    const path = join(dir, 'nested', 'state.db');
    assert.throws(() => openStore({ path, mustExist: true }), StoreMissingError);
    assert.equal(existsSync(path), false);
    const store = openStore({ path });
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(store.db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    await store.close();
    await openStore({ path, mustExist: true }).close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a store written by a newer agent-lease is refused with a clear message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-lease-store-'));
  try {
    const path = join(dir, 'state.db');
    await openStore({ path }).close();
    const db = new Database(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    assert.throws(() => openStore({ path }), /newer than this agent-lease .*upgrade agent-lease/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('withBusyRetry retries SQLITE_BUSY a bounded number of times and passes other errors through', () => {
  let calls = 0;
  const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
  assert.equal(
    withBusyRetry(() => {
      if (++calls < 3) throw busy;
      return 'done';
    }),
    'done',
  );
  calls = 0;
  assert.throws(
    () =>
      withBusyRetry(() => {
        calls++;
        throw busy;
      }),
    /locked/,
  );
  assert.equal(calls, 4);
  calls = 0;
  assert.throws(
    () =>
      withBusyRetry(() => {
        calls++;
        throw new Error('other');
      }),
    /other/,
  );
  assert.equal(calls, 1);
});

test('a write transaction takes the write lock at BEGIN: no other writer starts until it commits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-lease-store-'));
  try {
    const path = join(dir, 'state.db');
    const first = openStore({ path });
    const second = new Database(path, { timeout: 0 });
    await first.write(function* () {
      yield* get('SELECT 1');
      assert.throws(() => second.prepare('BEGIN IMMEDIATE').run(), /locked|busy/i);
    });
    second.prepare('BEGIN IMMEDIATE').run();
    second.prepare('COMMIT').run();
    second.close();
    await first.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
