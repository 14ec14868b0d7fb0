// Sessions starting at once in a fresh worktree each make sure the commit guard is installed:
// eight real SessionStart hooks at the same moment, with husky and without. Afterwards the user's
// own hook runs once and the guard once, and no session was told of a problem that is not there.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { installGuard } from '../lib/guard/install';
import { isolateGitInThisProcess } from './support/git-repo';
import { makeGuardRepo, setUpHusky, type GuardRepo } from './support/guard';
import { fixture, hookEnv, type HookRun, runHookAsync } from './support/hooks';

const SESSIONS = 8;
const HELD = 'held.txt';

function guardRepo(t: TestContext): GuardRepo {
  const repo = makeGuardRepo();
  t.after(() => repo.cleanup());
  repo.write(HELD, 'held\n');
  repo.write('free.txt', 'free\n');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'base']);
  repo.installBinary();
  return repo;
}

/** Starts SESSIONS sessions in `worktree` at the same moment. */
function startTogether(repo: GuardRepo, worktree: string): Promise<HookRun[]> {
  return Promise.all(
    Array.from({ length: SESSIONS }, (_, index) =>
      runHookAsync('session-start', fixture('session-start.startup', worktree, `session-${index}`), { env: hookEnv(repo.env), cwd: worktree, timeout: 60_000 }),
    ),
  );
}

/** What the sessions were told about the guard, each message once with its count. */
function guardMessages(runs: HookRun[]): Record<string, number> {
  const said: Record<string, number> = {};
  for (const run of runs) {
    assert.equal(run.status, 0, run.stderr);
    const message = run.json?.systemMessage ?? '(nothing)';
    said[message] = (said[message] ?? 0) + 1;
  }
  return said;
}

/** A free commit and a held one in `cwd`: how often the user's hook and the guard ran. */
function commitBoth(repo: GuardRepo, cwd: string): { userHookRuns: number; guardRefusals: number } {
  repo.write('free.txt', `${Math.random()}\n`, cwd);
  repo.git(['add', 'free.txt'], cwd);
  const free = repo.commit(['-q', '-m', 'free'], { cwd });
  assert.equal(free.status, 0, free.stderr);
  repo.write(HELD, `${Math.random()}\n`, cwd);
  repo.git(['add', HELD], cwd);
  const held = repo.commit(['-q', '-m', 'held'], { cwd });
  assert.equal(held.status, 1, held.stderr);
  return {
    userHookRuns: (free.stderr.match(/user hook ran/g) ?? []).length,
    guardRefusals: (held.stderr.match(/agent-lease guard: commit refused/g) ?? []).length,
  };
}

test(`${SESSIONS} sessions starting at once without husky: one installs the guard, the user's hook is chained once, nothing else is reported`, async (t) => {
  const repo = guardRepo(t);
  const hooks = join(repo.root, '.git', 'hooks');
  writeFileSync(join(hooks, 'pre-commit'), '#!/bin/sh\necho "user hook ran" >&2\n', { mode: 0o755 });

  const said = guardMessages(await startTogether(repo, repo.root));
  assert.deepEqual(said, { 'agent-lease: installed the commit guard in this worktree': 1, '(nothing)': SESSIONS - 1 });
  await repo.hold('bob', [HELD], { task: 'holding' });
  assert.deepEqual(commitBoth(repo, repo.root), { userHookRuns: 1, guardRefusals: 1 });
  assert.deepEqual(
    readdirSync(hooks).filter((name) => !name.endsWith('.sample')),
    ['pre-applypatch', 'pre-commit', 'pre-commit.agent-lease-chained', 'pre-merge-commit', 'prepare-commit-msg'],
    'no temporary or lock file is left',
  );
});

test(`${SESSIONS} sessions starting at once in a fresh husky worktree: one runs husky's setup, the hooks run once each`, async (t) => {
  const repo = guardRepo(t);
  setUpHusky(repo);
  isolateGitInThisProcess(repo.base);
  installGuard(repo.root);
  repo.git(['add', '.husky']);
  repo.git(['commit', '-q', '-m', 'guard']);
  const linked = repo.addWorktree('fresh');

  const said = guardMessages(await startTogether(repo, linked));
  assert.deepEqual(said, { 'agent-lease: the commit guard was not active in this worktree and has been repaired': 1, '(nothing)': SESSIONS - 1 });
  await repo.hold('bob', [HELD], { task: 'holding' });
  assert.deepEqual(commitBoth(repo, linked), { userHookRuns: 1, guardRefusals: 1 });
});
