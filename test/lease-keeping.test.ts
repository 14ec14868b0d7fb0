// No lease lost, shortened or duplicated behind its holder's back: the hooks as Claude Code runs
// them, real git worktrees, and the store the hooks keep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { acquire } from '../lib/core/acquire';
import { readEvents } from '../lib/core/events';
import { gc } from '../lib/core/gc';
import { listLeases } from '../lib/core/lease-queries';
import { openStore } from '../lib/core/sqlite';
import type { Body } from '../lib/core/store';
import { fixture, hookEnv, runHook, tempRepo, withRepoStore } from './support/hooks';

const A = '9d3c1f7e-1111-4a2b-9c1d-0a1b2c3d4e5f';
const B = '5e6f7a8b-2222-4c3d-8e9f-1a2b3c4d5e6f';
const HOUR = 60 * 60 * 1000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const denial = (run: ReturnType<typeof runHook>): string | undefined => run.json?.hookSpecificOutput?.permissionDecisionReason;

test('an expired lease of a live holder stands while its change is pending in its worktree, and goes once it is committed', async (t) => {
  const repo = tempRepo(t);
  repo.write('.agent-lease.json', '{ "ttl": { "edit": "1s" } }\n');
  repo.write('src/auth/login.ts', 'v1\n');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'base']);
  const env = hookEnv(repo.env);
  runHook('session-start', fixture('session-start.startup', repo.root, A), { env });
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env }).stdout, '');
  repo.write('src/auth/login.ts', 'A is working on it\n');
  await sleep(1200);

  const denied = runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, B), { env });
  assert.match(denial(denied) ?? '', /src\/auth\/login\.ts is leased to another session/, 'A lives and has the change pending');
  await withRepoStore(repo, async (store) => {
    const [renewal] = (await readEvents(store, { kinds: ['renew'] })).filter((event) => event.actor === B);
    assert.deepEqual(renewal?.detail?.reason, 'change pending', 'renewed on the holder’s behalf, logged with who found it');
  });

  repo.git(['commit', '-q', '--no-verify', '-am', 'A commits']);
  await sleep(1200);
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, B), { env }).stdout, '', 'nothing pending: the TTL rules');
});

test("editing a file inside one's own claimed glob renews that claim instead of adding a lease, and never shortens it; a denial names each holder once", async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  runHook('session-start', fixture('session-start.startup', repo.root, A), { env });
  await withRepoStore(repo, async (store) => assert.equal((await acquire(store, A, ['src/**'], { ttlMs: 2 * HOUR, task: 'auth' })).ok, true));
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env }).stdout, '');
  await withRepoStore(repo, async (store) => {
    const leases = await listLeases(store, { sessionId: A });
    assert.deepEqual(
      leases.map((lease) => [lease.pattern, lease.source, lease.task]),
      [['src/**', 'claim', 'auth']],
    );
    assert.ok(leases[0]!.expiresAt.getTime() - Date.now() > 1.9 * HOUR, 'still its 2 hours');
  });

  // A session that holds the file and a glob over it (taken in that order) is one holder to others.
  runHook('session-start', fixture('session-start.startup', repo.root, 'C'), { env });
  await withRepoStore(repo, async (store) => {
    assert.equal((await acquire(store, 'C', ['lib/a.ts'])).ok, true);
    assert.equal((await acquire(store, 'C', ['lib/**'])).ok, true);
  });
  const denied = runHook(
    'pre-tool-use',
    fixture('pre-tool-use.write', repo.root, B, { tool_input: { file_path: join(repo.root, 'lib/a.ts'), content: 'x' } }),
    { env },
  );
  const holderLines = (denial(denied) ?? '').split('\n').filter((line) => line.startsWith('- '));
  assert.equal(holderLines.length, 1, denial(denied));
  assert.match(holderLines[0]!, /^- lib\/a\.ts: C .*holds lib\/\*\* exclusively .*; also holds lib\/a\.ts \(token \d+\)$/);
});

test("a session's own edit keeps the 2 hours of its claim on that very file", async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  runHook('session-start', fixture('session-start.startup', repo.root, A), { env });
  await withRepoStore(repo, async (store) => assert.equal((await acquire(store, A, ['src/auth/login.ts'], { ttlMs: 2 * HOUR })).ok, true));
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env }).stdout, '');
  runHook('stop', fixture('stop', repo.root, A), { env });
  const [lease] = await withRepoStore(repo, async (store) => await listLeases(store, { sessionId: A }));
  assert.ok(lease!.expiresAt.getTime() - Date.now() > 1.9 * HOUR, `expires ${lease!.expiresAt.toISOString()}`);
});

test('Stop keeps the lease on a file the session changed in another worktree, and releases it once that change is gone', async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  const other = repo.addWorktree('wt-other');
  runHook('session-start', fixture('session-start.startup', repo.root, A), { env });
  const file = join(other, 'src', 'auth', 'login.ts');
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A, { tool_input: { file_path: file, content: 'x' } }), { env }).stdout, '');
  repo.write('src/auth/login.ts', 'changed in the other worktree\n', other);

  runHook('stop', fixture('stop', repo.root, A), { env });
  await withRepoStore(repo, async (store) =>
    assert.deepEqual(
      (await listLeases(store)).map((lease) => [lease.pattern, lease.worktree]),
      [['src/auth/login.ts', other]],
    ),
  );
  repo.git(['add', '.'], other);
  repo.git(['commit', '-q', '--no-verify', '-m', 'done'], other);
  runHook('stop', fixture('stop', repo.root, A), { env });
  await withRepoStore(repo, async (store) => assert.deepEqual(await listLeases(store), []));
});

test('gc judges expiry from the rows as they are inside its transaction: a lease renewed after gc read it stays', async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  runHook('session-start', fixture('session-start.startup', repo.root, A), { env });
  const path = join(repo.root, '.git', 'agent-lease', 'state.db');
  let clock = Date.now();
  const store = openStore({ path, now: () => clock });
  t.after(async () => await store.close());
  assert.equal((await acquire(store, A, ['src/a.ts'], { ttlMs: 60_000 })).ok, true);
  clock += 61_000;
  // A hook renews the lease between gc's read and its write transaction.
  const write = store.write.bind(store);
  let first = true;
  store.write = (async (body: () => Body<unknown>) => {
    if (first) {
      first = false;
      const hook = openStore({ path, now: () => clock });
      await acquire(hook, A, ['src/a.ts'], { ttlMs: 60_000 });
      await hook.close();
    }
    return write(body);
  }) as typeof store.write;
  assert.equal((await gc(store, { retentionMs: HOUR })).reclaimed, 0);
  assert.deepEqual(
    (await listLeases(store)).map((lease) => lease.pattern),
    ['src/a.ts'],
  );
});
