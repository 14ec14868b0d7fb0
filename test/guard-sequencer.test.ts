// A cherry-pick or revert stopped by a conflict and finished by hand is one commit, checked once by
// the guard whichever command finishes it (`git commit`, `git commit -m`, `git commit --no-verify`,
// `git cherry-pick --continue`), through real git 2.39 and the installed hooks. And when the guard
// cannot run at all, an agent is told to stop and ask, a person how to fix or bypass it.
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { readEvents } from '../lib/core/events';
import { makeGuardedRepo, type GuardRepo } from './support/guard';

let repo: GuardRepo;
const HELD = 'held.txt';
const REFUSAL = /agent-lease guard: commit refused: 1 staged file is held by another session\./g;

beforeEach(() => {
  repo = makeGuardedRepo([HELD, 'free.txt']);
});
afterEach(() => repo.cleanup());

function git(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stderr: string } {
  const result = spawnSync('git', args, { cwd: repo.root, env: { ...repo.env, GIT_EDITOR: 'true', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stderr: result.stderr };
}

/** main and side both change held.txt: cherry-picking side onto main stops with a conflict there. */
function conflictingBranches(): void {
  for (const [checkout, branch] of [
    [['-b', 'side'], 'side'],
    [['main'], 'main'],
  ] as const) {
    repo.git(['checkout', '-q', ...checkout]);
    repo.write(HELD, `${branch}\n`);
    repo.git(['commit', '-q', '-am', `${branch} changes held`]);
  }
}

/** Starts the cherry-pick (no commit is made: it stops on the conflict) and resolves it, staged. */
function stoppedCherryPick(): void {
  assert.notEqual(git(['cherry-pick', 'side']).status, 0, 'the cherry-pick stops on its conflict');
  repo.write(HELD, 'resolved\n');
  repo.git(['add', HELD]);
}

const refusals = async (): Promise<number> => (await readEvents(repo.store())).filter((event) => event.kind === 'refuse').length;

for (const [label, finish] of [
  ['git commit', ['commit', '-q']],
  ['git commit -m', ['commit', '-q', '-m', 'resolved']],
  ['git commit --no-verify -m', ['commit', '-q', '--no-verify', '-m', 'resolved']],
  ['git cherry-pick --continue', ['cherry-pick', '--continue']],
] as const) {
  test(`a conflicted cherry-pick finished with ${label} is checked exactly once`, async () => {
    conflictingBranches();
    await repo.hold('bob', [HELD], { task: 'rework held' });
    stoppedCherryPick();
    const before = repo.git(['rev-parse', 'HEAD']);
    const result = git([...finish]);
    assert.notEqual(result.status, 0, `${label} went through: ${result.stderr}`);
    assert.equal(result.stderr.match(REFUSAL)?.length, 1, `one refusal, not two:\n${result.stderr}`);
    assert.equal(await refusals(), 1, 'one refuse event logged');
    assert.equal(repo.git(['rev-parse', 'HEAD']), before, 'no commit was made');

    const bypassed = git([...finish], { AGENT_LEASE_BYPASS: '1' });
    assert.equal(bypassed.status, 0, bypassed.stderr);
    assert.equal(bypassed.stderr.match(/AGENT_LEASE_BYPASS=1: committing/g)?.length, 1, `one bypass, not two:\n${bypassed.stderr}`);
    assert.equal((await readEvents(repo.store())).filter((event) => event.kind === 'bypass').length, 1);
  });
}

test('a conflicted revert finished with git commit -m, and a plain commit, are each checked once', async () => {
  repo.write(HELD, 'two\n');
  repo.git(['commit', '-q', '-am', 'two']);
  repo.write(HELD, 'three\n');
  repo.git(['commit', '-q', '-am', 'three']);
  await repo.hold('bob', [HELD]);
  assert.notEqual(git(['revert', '--no-edit', 'HEAD~1']).status, 0, 'the revert stops on its conflict');
  repo.write(HELD, 'resolved\n');
  repo.git(['add', HELD]);
  assert.equal(git(['commit', '-q', '-m', 'revert resolved']).stderr.match(REFUSAL)?.length, 1);
  git(['revert', '--abort']);

  repo.write(HELD, 'plain\n');
  repo.git(['add', HELD]);
  assert.equal(git(['commit', '-q', '-m', 'plain']).stderr.match(REFUSAL)?.length, 1);
  const skipped = git(['commit', '-q', '--no-verify', '-m', 'plain']);
  assert.equal(skipped.status, 0, 'outside a cherry-pick, --no-verify skips the guard as git users expect');
  assert.doesNotMatch(skipped.stderr, /agent-lease/);
  assert.equal(await refusals(), 2);
});

test('when the guard cannot run, an agent is told to stop and ask the user, and only a person is shown the bypass', () => {
  rmSync(join(repo.root, 'node_modules'), { recursive: true });
  repo.store();
  repo.write(HELD, 'changed\n');
  repo.git(['add', HELD]);
  const path = { PATH: '/usr/bin:/bin' };
  const person = git(['commit', '-q', '-m', 'x'], path);
  assert.equal(person.status, 1);
  assert.match(person.stderr, /commit refused: the guard cannot run: no agent-lease binary in /);
  assert.match(person.stderr, /Fix: npm install .*AGENT_LEASE_BYPASS=1 \(or --no-verify\)/);
  for (const agent of [{ CLAUDE_CODE_SESSION_ID: 'sess-1' }, { CLAUDE_PID: String(process.pid) }, { CLAUDECODE: '1' }]) {
    const refused = git(['commit', '-q', '-m', 'x'], { ...path, ...agent });
    assert.equal(refused.status, 1, JSON.stringify(agent));
    assert.match(refused.stderr, /commit refused: the guard cannot run: no agent-lease binary in /);
    assert.match(refused.stderr, /runs in an agent's session: do not try to commit another way\. Stop and tell the user/);
    assert.doesNotMatch(refused.stderr, /BYPASS|no-verify/, `no bypass for an agent: ${refused.stderr}`);
  }
});
