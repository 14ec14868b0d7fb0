import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquire, listLeases, who } from '../lib/leases';
import { getSession, registerSession } from '../lib/sessions';
import { openStore } from '../lib/store';
import { makeRepo, type TempRepo } from './support/git-repo';
import { fixture, hookEnv, runHook } from './support/hooks';
import { startAgent } from './support/store';

const A = '9d3c1f7e-1111-4a2b-9c1d-0a1b2c3d4e5f';
const B = '5e6f7a8b-2222-4c3d-8e9f-1a2b3c4d5e6f';

function setup(): { repo: TempRepo; worktreeB: string; env: NodeJS.ProcessEnv; storePath: string } {
  const repo = makeRepo();
  const worktreeB = repo.addWorktree('wt-b', 'feature-b');
  return { repo, worktreeB, env: hookEnv(repo.env), storePath: join(repo.root, '.git', 'agent-lease', 'state.db') };
}

test('a first edit leases the file silently; a second session\'s edit in another worktree is denied with what to do', () => {
  const { repo, worktreeB, env, storePath } = setup();
  try {
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

    const store = openStore({ path: storePath });
    try {
      const holders = who(store, 'src/auth/login.ts');
      assert.deepEqual(holders.map((lease) => [lease.sessionId, lease.source, lease.mode]), [[A, 'edit', 'exclusive']]);
      const b = getSession(store, B);
      assert.equal(b?.worktree, worktreeB, 'B was registered on its first hook call, in its own worktree');
      assert.equal(b?.branch, 'feature-b');
    } finally {
      store.close();
    }
  } finally {
    repo.cleanup();
  }
});

test('Write, Edit, NotebookEdit and the legacy MultiEdit each lease their target; the same session renews without output', () => {
  const { repo, env, storePath } = setup();
  try {
    for (const name of ['pre-tool-use.write', 'pre-tool-use.edit', 'pre-tool-use.multi-edit.legacy', 'pre-tool-use.notebook-edit']) {
      const run = runHook('pre-tool-use', fixture(name, repo.root, A), { env });
      assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', ''], name);
    }
    const store = openStore({ path: storePath });
    try {
      const patterns = listLeases(store, { sessionId: A }).map((lease) => lease.pattern);
      assert.deepEqual(patterns.sort(), ['notebooks/explore.ipynb', 'src/api/routes.ts', 'src/auth/login.ts']);
    } finally {
      store.close();
    }
  } finally {
    repo.cleanup();
  }
});

test('another session\'s claim on a glob denies the edit and names the glob and its task', () => {
  const { repo, worktreeB, env, storePath } = setup();
  try {
    const store = openStore({ path: storePath });
    try {
      registerSession(store, { id: 'carol', runtime: 'cli', worktree: worktreeB, branch: 'feature-b' });
      assert.equal(acquire(store, 'carol', ['src/auth/**'], { task: 'rewrite the auth module' }).ok, true);
    } finally {
      store.close();
    }
    const run = runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env });
    const reason = run.json?.hookSpecificOutput?.permissionDecisionReason ?? '';
    assert.equal(run.json?.hookSpecificOutput?.permissionDecision, 'deny');
    assert.match(reason, /src\/auth\/login\.ts: carol \(task "rewrite the auth module", worktree .*wt-b on feature-b\) holds src\/auth\/\*\* exclusively/);
  } finally {
    repo.cleanup();
  }
});

test('a lease whose holder\'s agent process is gone does not block: the edit goes through and takes it over', async () => {
  const { repo, env, storePath } = setup();
  try {
    const agent = startAgent();
    const store = openStore({ path: storePath });
    try {
      registerSession(store, { id: B, runtime: 'claude-code', worktree: repo.root, process: agent.identity });
      assert.equal(acquire(store, B, ['src/auth/login.ts'], { source: 'edit', exact: true }).ok, true);
      await agent.kill();
      const run = runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env });
      assert.deepEqual([run.status, run.stdout], [0, '']);
      assert.deepEqual(who(store, 'src/auth/login.ts').map((lease) => lease.sessionId), [A]);
    } finally {
      store.close();
    }
  } finally {
    repo.cleanup();
  }
});

test('files outside the repository, ignored files and tools that write no file are left alone', () => {
  const { repo, env, storePath } = setup();
  try {
    const inputs = [
      fixture('pre-tool-use.write', repo.root, A, { tool_input: { file_path: join(repo.base, 'elsewhere', 'notes.md'), content: 'x' } }),
      fixture('pre-tool-use.write', repo.root, A, { tool_input: { file_path: join(repo.root, 'package-lock.json'), content: '{}' } }),
      fixture('pre-tool-use.bash', repo.root, A),
    ];
    for (const input of inputs) {
      const run = runHook('pre-tool-use', input, { env });
      assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', '']);
    }
    const store = openStore({ path: storePath });
    try {
      assert.deepEqual(listLeases(store), []);
    } finally {
      store.close();
    }
  } finally {
    repo.cleanup();
  }
});

test('a store that cannot be opened allows the edit with a visible warning, or denies it when configured to', () => {
  const { repo, env } = setup();
  try {
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
  } finally {
    repo.cleanup();
  }
});

test('an invalid configuration file is reported to the user and the defaults apply', () => {
  const { repo, env, storePath } = setup();
  try {
    repo.write('.agent-lease.json', '{"ttl": {"edit": "soon"}}');
    const run = runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env });
    assert.equal(run.status, 0);
    assert.match(run.json?.systemMessage ?? '', /\.agent-lease\.json: ttl\.edit: .*using the default settings/);
    const store = openStore({ path: storePath });
    try {
      assert.deepEqual(who(store, 'src/auth/login.ts').map((lease) => lease.sessionId), [A], 'leased all the same');
    } finally {
      store.close();
    }
  } finally {
    repo.cleanup();
  }
});
