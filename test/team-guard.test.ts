// The commit guard in team mode when its PostgreSQL server cannot be reached: it refuses (the
// default) in one line naming the server and never the password, and with guard.onStoreError
// "warn" the commit goes through with that line as a warning. Nothing waits: the guard's git
// commit returns as soon as the connection is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeGuardedRepo } from './support/guard';

const DOWN = { AGENT_LEASE_STORE: 'postgres://agent:s3cret-pw@127.0.0.1:1/leases' };

test('a PostgreSQL store that cannot be reached: the guard refuses in one line naming the server, or warns when configured', (t) => {
  const repo = makeGuardedRepo(['src/a.ts']);
  t.after(() => repo.cleanup());
  repo.git(['remote', 'add', 'origin', 'git@example.com:team/app.git']);
  repo.write('src/a.ts', 'changed\n');
  repo.git(['add', 'src/a.ts']);
  const refused = repo.commit(['-q', '-m', 'change'], { env: DOWN });
  assert.notEqual(refused.status, 0, 'the commit is refused');
  assert.match(
    refused.stderr,
    /^agent-lease guard: commit refused: cannot read the agent-lease store on PostgreSQL 127\.0\.0\.1:1\/leases: the server refused the connection/,
  );
  assert.equal(refused.stderr.split('127.0.0.1:1/').length, 2, `the server is named once: ${refused.stderr}`);
  assert.doesNotMatch(refused.stderr, /s3cret-pw|\n\s+at /);
  assert.match(refused.stderr, /check that the PostgreSQL server is up/);
  assert.doesNotMatch(refused.stderr, /damaged store can be moved away/, 'no advice that only fits a SQLite file');

  repo.write('.agent-lease.json', JSON.stringify({ guard: { onStoreError: 'warn' } }));
  repo.git(['add', '.agent-lease.json']);
  const warned = repo.commit(['-q', '-m', 'change'], { env: DOWN });
  assert.equal(warned.status, 0, `the commit goes through: ${warned.stderr}`);
  assert.match(warned.stderr, /cannot read the agent-lease store on PostgreSQL 127\.0\.0\.1:1\/leases: the server refused the connection/);
  assert.equal(warned.stderr.split('127.0.0.1:1/').length, 2, `the server is named once: ${warned.stderr}`);
  assert.doesNotMatch(warned.stderr, /s3cret-pw|\n\s+at /);
});
