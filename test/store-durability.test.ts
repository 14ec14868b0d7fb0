// What the store says about itself must be true: a directory that only holds what `init` wrote
// is not a deleted store, and a lease a hook committed survives the store's side files (-wal,
// -shm) going missing, as when a backup or a sync copies only state.db.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './support/cli';
import { makeFaultRepo } from './support/faults';

test('a store directory holding only what init wrote there is a first use, not a deleted store: commits say nothing', (t) => {
  const repo = makeFaultRepo(t);
  rmSync(repo.storeDir, { recursive: true, force: true });
  mkdirSync(repo.storeDir);
  writeFileSync(join(repo.storeDir, 'husky-set-up-by-init.json'), '{}\n');
  repo.stage('src/held.ts');
  const commit = repo.commit(['-q', '-m', 'before any session'], { env: { AGENT_LEASE_SESSION: 'someone' } });
  assert.deepEqual([commit.status, commit.stderr], [0, '']);
  assert.equal(existsSync(repo.storePath), false, 'and the guard made no store');
});

test('a lease a hook committed survives the loss of the -wal and -shm files', (t) => {
  const repo = makeFaultRepo(t);
  assert.equal(runCli(['claim', '--as', 'bob', 'docs/**'], { cwd: repo.root, env: repo.hookEnv }).status, 0);
  // Hooks leave the store open, un-checkpointed (a command closing it at exit checkpoints it).
  assert.equal(repo.edit('session-a', 'src/held.ts').stdout, '');
  // A backup restored, or a sync that copied state.db alone.
  for (const side of ['-wal', '-shm']) rmSync(`${repo.storePath}${side}`, { force: true });
  const status = JSON.parse(runCli(['status', '--json'], { cwd: repo.root, env: repo.hookEnv }).stdout) as { leases: Array<{ pattern: string }> };
  assert.deepEqual(status.leases.map((lease) => lease.pattern).sort(), ['docs/**', 'src/held.ts']);
});
