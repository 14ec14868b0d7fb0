import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acquire } from '../lib/core/acquire';
import { listLeases } from '../lib/core/lease-queries';
import { getSession, registerSession } from '../lib/core/sessions';
import { fixture, hookEnv, runHook, tempRepo, withRepoStore } from './support/hooks';

const A = '9d3c1f7e-1111-4a2b-9c1d-0a1b2c3d4e5f';
const B = '5e6f7a8b-2222-4c3d-8e9f-1a2b3c4d5e6f';

test('session end releases every lease of the session and ends it; other sessions keep theirs and can take the files', (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  runHook('session-start', fixture('session-start.startup', repo.root, A), { env });
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env }).stdout, '');
  withRepoStore(repo, (store) => {
    assert.equal(acquire(store, A, ['docs/**'], { task: 'docs' }).ok, true);
    registerSession(store, { id: 'bob', runtime: 'cli' });
    assert.equal(acquire(store, 'bob', ['lib/**']).ok, true);
  });

  const run = runHook('session-end', fixture('session-end', repo.root, A), { env });
  assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', '']);
  withRepoStore(repo, (store) => {
    assert.deepEqual(
      listLeases(store).map((lease) => lease.sessionId),
      ['bob'],
    );
    assert.notEqual(getSession(store, A)?.endedAt, null);
  });
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, B), { env }).stdout, '', 'B may edit now');
});

test('the end of a session agent-lease never saw is a no-op', (t) => {
  const repo = tempRepo(t);
  const run = runHook('session-end', fixture('session-end', repo.root, 'never-seen'), { env: hookEnv(repo.env) });
  assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', '']);
});
