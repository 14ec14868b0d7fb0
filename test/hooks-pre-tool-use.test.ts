import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquire } from '../lib/core/acquire';
import { listLeases, who } from '../lib/core/lease-queries';
import { getSession, registerSession } from '../lib/core/sessions';
import { fixture, hookEnv, runHook, tempRepo, withRepoStore } from './support/hooks';
import { startAgent } from './support/store';

const A = '9d3c1f7e-1111-4a2b-9c1d-0a1b2c3d4e5f';
const B = '5e6f7a8b-2222-4c3d-8e9f-1a2b3c4d5e6f';

function setup(t: TestContext) {
  const repo = tempRepo(t);
  const worktreeB = repo.addWorktree('wt-b', 'feature-b');
  return { repo, worktreeB, env: hookEnv(repo.env) };
}

test("a first edit leases the file silently; a second session's edit in another worktree is denied with what to do", async (t) => {
  const { repo, worktreeB, env } = setup(t);
  const first = runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env });
  assert.deepEqual([first.status, first.stdout, first.stderr], [0, '', '']);

  const second = runHook('pre-tool-use', fixture('pre-tool-use.edit', worktreeB, B), { env });
  assert.equal(second.status, 0);
  const output = second.json?.hookSpecificOutput;
  assert.equal(output?.hookEventName, 'PreToolUse');
  assert.equal(output?.permissionDecision, 'deny');
  const reason = output?.permissionDecisionReason ?? '';
  assert.match(reason, /src\/auth\/login\.ts is leased to another session/);
  assert.match(reason, /9d3c1f7e/, 'the holder');
  assert.match(reason, new RegExp(`worktree ${repo.root} on main`), 'its worktree and branch');
  assert.match(reason, /1[45]m left/, 'when the lease expires');
  assert.match(reason, /Work on other files/, 'what to do instead');

  await withRepoStore(repo, async (store) => {
    const holders = await who(store, 'src/auth/login.ts');
    assert.deepEqual(
      holders.map((lease) => [lease.sessionId, lease.source, lease.mode]),
      [[A, 'edit', 'exclusive']],
    );
    const b = await getSession(store, B);
    assert.equal(b?.worktree, worktreeB, 'B was registered on its first hook call, in its own worktree');
    assert.equal(b?.branch, 'feature-b');
  });
});

test('Write, Edit, NotebookEdit and the legacy MultiEdit each lease their target; the same session renews without output', async (t) => {
  const { repo, env } = setup(t);
  for (const name of ['pre-tool-use.write', 'pre-tool-use.edit', 'pre-tool-use.multi-edit.legacy', 'pre-tool-use.notebook-edit']) {
    const run = runHook('pre-tool-use', fixture(name, repo.root, A), { env });
    assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', ''], name);
  }
  const patterns = await withRepoStore(repo, async (store) => (await listLeases(store, { sessionId: A })).map((lease) => lease.pattern));
  assert.deepEqual(patterns.sort(), ['notebooks/explore.ipynb', 'src/api/routes.ts', 'src/auth/login.ts']);
});

test("another session's claim on a glob denies the edit and names the glob and its task", async (t) => {
  const { repo, worktreeB, env } = setup(t);
  await withRepoStore(repo, async (store) => {
    await registerSession(store, { id: 'carol', runtime: 'cli', worktree: worktreeB, branch: 'feature-b' });
    assert.equal((await acquire(store, 'carol', ['src/auth/**'], { task: 'rewrite the auth module' })).ok, true);
  });
  const run = runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env });
  const reason = run.json?.hookSpecificOutput?.permissionDecisionReason ?? '';
  assert.equal(run.json?.hookSpecificOutput?.permissionDecision, 'deny');
  assert.match(reason, /src\/auth\/login\.ts: carol \(task "rewrite the auth module", worktree .*wt-b on feature-b\) holds src\/auth\/\*\* exclusively/);
});

test("a lease whose holder's agent process is gone does not block: the edit goes through and takes it over", async (t) => {
  const { repo, env } = setup(t);
  const agent = startAgent();
  await withRepoStore(repo, async (store) => {
    await registerSession(store, { id: B, runtime: 'claude-code', worktree: repo.root, process: agent.identity });
    assert.equal((await acquire(store, B, ['src/auth/login.ts'], { source: 'edit', exact: true })).ok, true);
  });
  await agent.kill();
  const run = runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env });
  assert.deepEqual([run.status, run.stdout], [0, '']);
  assert.deepEqual(await withRepoStore(repo, async (store) => (await who(store, 'src/auth/login.ts')).map((lease) => lease.sessionId)), [A]);
});

test('files outside the repository, ignored files and tools that write no file are left alone', async (t) => {
  const { repo, env } = setup(t);
  const inputs = [
    fixture('pre-tool-use.write', repo.root, A, { tool_input: { file_path: join(repo.base, 'elsewhere', 'notes.md'), content: 'x' } }),
    fixture('pre-tool-use.write', repo.root, A, { tool_input: { file_path: join(repo.root, 'package-lock.json'), content: '{}' } }),
    fixture('pre-tool-use.bash', repo.root, A),
  ];
  for (const input of inputs) {
    const run = runHook('pre-tool-use', input, { env });
    assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', '']);
  }
  assert.deepEqual(await withRepoStore(repo, async (store) => await listLeases(store)), []);
});

test('a store that cannot be opened allows the edit with a visible warning, or denies it when configured to', (t) => {
  const { repo, env } = setup(t);
  const broken = join(repo.base, 'not-a-database.db');
  writeFileSync(broken, 'this is not an SQLite database, just text long enough to be read as a header\n'.repeat(20));
  const brokenEnv = { ...env, AGENT_LEASE_DB: broken };
  const allowed = runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env: brokenEnv });
  assert.equal(allowed.status, 0);
  assert.equal(allowed.json?.hookSpecificOutput, undefined, 'no decision: the edit goes ahead');
  assert.match(allowed.json?.systemMessage ?? '', /cannot use its store .*not-a-database\.db.*allowed WITHOUT a lease/);

  repo.write('.agent-lease.json', JSON.stringify({ hooks: { onStoreError: 'deny' } }));
  const denied = runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env: brokenEnv });
  assert.equal(denied.json?.hookSpecificOutput?.permissionDecision, 'deny');
  assert.match(denied.json?.hookSpecificOutput?.permissionDecisionReason ?? '', /cannot use its store.*hooks\.onStoreError is "deny"/);
});

test('an invalid configuration file is reported to the user and the defaults apply', async (t) => {
  const { repo, env } = setup(t);
  repo.write('.agent-lease.json', '{"ttl": {"edit": "soon"}}');
  const run = runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env });
  assert.equal(run.status, 0);
  assert.match(run.json?.systemMessage ?? '', /\.agent-lease\.json: ttl\.edit: .*using the default settings/);
  assert.deepEqual(
    await withRepoStore(repo, async (store) => (await who(store, 'src/auth/login.ts')).map((lease) => lease.sessionId)),
    [A],
    'leased all the same',
  );
});
