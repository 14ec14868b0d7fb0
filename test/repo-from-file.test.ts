// The repository is found from the file, not from the session's cwd: a session started in the
// folder that holds the worktrees, or in another repository, is checked against the store of the
// repository the file it edits is in, and registered there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { runCli } from './support/cli';
import { makeFaultRepo } from './support/faults';

test('a session whose cwd is outside the repository, or in another one, is denied a held file and leases a free one', (t) => {
  const repo = makeFaultRepo(t);
  assert.equal(runCli(['claim', '--as', 'bob', 'src/held.ts'], { cwd: repo.root, env: repo.hookEnv }).status, 0);
  const other = join(repo.base, 'other-repo');
  mkdirSync(other);
  execFileSync('git', ['init', '-q'], { cwd: other, env: repo.env });

  for (const [session, cwd] of [
    ['in-parent', repo.base],
    ['in-other', other],
  ] as const) {
    const denied = repo.edit(session, join(repo.root, 'src/held.ts'), { cwd });
    assert.equal(denied.json?.hookSpecificOutput?.permissionDecision, 'deny', `${session}: ${denied.stdout}${denied.stderr}`);
    const free = repo.edit(session, join(repo.root, `src/${session}.ts`), { cwd });
    assert.deepEqual([free.status, free.stdout], [0, ''], session);
  }
  const status = JSON.parse(runCli(['status', '--json'], { cwd: repo.root, env: repo.hookEnv }).stdout) as {
    leases: Array<{ pattern: string; sessionId: string }>;
    sessions: Array<{ id: string; worktree: string }>;
  };
  assert.deepEqual(status.leases.map((lease) => `${lease.sessionId} ${lease.pattern}`).sort(), [
    'bob src/held.ts',
    'in-other src/in-other.ts',
    'in-parent src/in-parent.ts',
  ]);
  assert.equal(status.sessions.find((session) => session.id === 'in-parent')?.worktree, repo.root);
});
