import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acquire } from '../lib/core/acquire';
import { listLeases } from '../lib/core/lease-queries';
import { getSession, registerSession } from '../lib/core/sessions';
import { fixture, hookEnv, runHook, startHookAgent, tempRepo, withRepoStore } from './support/hooks';

const A = '9d3c1f7e-1111-4a2b-9c1d-0a1b2c3d4e5f';
const B = '5e6f7a8b-2222-4c3d-8e9f-1a2b3c4d5e6f';

test('session end releases every lease of the session and ends it; other sessions keep theirs and can take the files', async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  runHook('session-start', fixture('session-start.startup', repo.root, A), { env });
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env }).stdout, '');
  await withRepoStore(repo, async (store) => {
    assert.equal((await acquire(store, A, ['docs/**'], { task: 'docs' })).ok, true);
    await registerSession(store, { id: 'bob', runtime: 'cli' });
    assert.equal((await acquire(store, 'bob', ['lib/**'])).ok, true);
  });

  const run = runHook('session-end', fixture('session-end', repo.root, A), { env });
  assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', '']);
  await withRepoStore(repo, async (store) => {
    assert.deepEqual(
      (await listLeases(store)).map((lease) => lease.sessionId),
      ['bob'],
    );
    assert.notEqual((await getSession(store, A))?.endedAt, null);
  });
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, B), { env }).stdout, '', 'B may edit now');
});

test('the end of a session agent-lease never saw is a no-op', (t) => {
  const repo = tempRepo(t);
  const run = runHook('session-end', fixture('session-end', repo.root, 'never-seen'), { env: hookEnv(repo.env) });
  assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', '']);
});

test('SessionEnd(clear) and SessionEnd(resume) hand over instead of releasing; a real end after that releases', async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  for (const reason of ['clear', 'resume']) {
    runHook('session-start', fixture('session-start.startup', repo.root, A), { env });
    assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env }).stdout, '');
    const run = runHook('session-end', fixture('session-end', repo.root, A, { reason }), { env });
    assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', ''], reason);
    await withRepoStore(repo, async (store) => {
      assert.deepEqual(
        (await listLeases(store)).map((lease) => [lease.pattern, lease.sessionId]),
        [['src/auth/login.ts', A]],
        `${reason}: the lease is kept for the next id`,
      );
      const session = (await getSession(store, A))!;
      assert.equal(session.endedAt, null, reason);
      assert.notEqual(session.handoverAt, null, reason);
    });
    const other = runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, B), { env });
    assert.equal(other.json?.hookSpecificOutput?.permissionDecision, 'deny', `${reason}: another session is still denied`);
    runHook('session-end', fixture('session-end', repo.root, A, { reason: 'other' }), { env });
    await withRepoStore(repo, async (store) => assert.deepEqual(await listLeases(store), [], `${reason}: the real end releases`));
  }
});

test('an agent that dies after SessionEnd(clear), before any SessionStart, leaves nothing held', async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  const agent = startHookAgent(env);
  t.after(() => agent.kill());
  await agent.run('session-start', fixture('session-start.startup', repo.root, A));
  assert.equal((await agent.run('pre-tool-use', fixture('pre-tool-use.write', repo.root, A))).stdout, '');
  await agent.run('session-end', fixture('session-end', repo.root, A, { reason: 'clear' }));
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, B), { env }).json?.hookSpecificOutput?.permissionDecision, 'deny');
  await agent.kill();
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, B), { env }).stdout, '', 'the dead process holds nothing');
});

test('interactive /resume: the leases of the current id go to the resumed id, even one that had ended; `--resume ID` in a new process works too', async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  // An earlier session A, ended for real.
  runHook('session-start', fixture('session-start.startup', repo.root, A), { env });
  runHook('session-end', fixture('session-end', repo.root, A, { reason: 'other' }), { env });
  // Session B edits, then the user resumes A: SessionEnd(resume, B) → SessionStart(resume, A).
  runHook('session-start', fixture('session-start.startup', repo.root, B), { env });
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, B), { env }).stdout, '');
  runHook('session-end', fixture('session-end', repo.root, B, { reason: 'resume' }), { env });
  const resumed = runHook('session-start', fixture('session-start.startup', repo.root, A, { source: 'resume' }), { env });
  assert.match(resumed.json?.hookSpecificOutput?.additionalContext ?? '', /keeps the 1 lease\(s\) of its previous session id/);
  await withRepoStore(repo, async (store) => {
    assert.deepEqual(
      (await listLeases(store)).map((lease) => [lease.pattern, lease.sessionId]),
      [['src/auth/login.ts', A]],
    );
    assert.equal((await getSession(store, A))?.endedAt, null, 'the resumed id is open again');
    assert.notEqual((await getSession(store, B))?.endedAt, null);
  });
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env }).stdout, '', 'A edits its own file');

  // `claude -p --resume A` after A ended: a new process, no SessionEnd before its SessionStart(resume).
  runHook('session-end', fixture('session-end', repo.root, A, { reason: 'other' }), { env });
  runHook('session-start', fixture('session-start.startup', repo.root, A, { source: 'resume' }), { env });
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env }).stdout, '');
  await withRepoStore(repo, async (store) =>
    assert.deepEqual(
      (await listLeases(store)).map((lease) => lease.sessionId),
      [A],
    ),
  );
});
