// Every way git makes a commit runs the guard: `git commit`, a clean `git merge`, `git am`,
// `git cherry-pick`, `git revert` and `git rebase`, each through real git 2.39 and the installed
// hooks. A ref update that adds no content of its own (a fast-forward, merging in finished work
// taken as it is) is never refused.
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { readEvents } from '../lib/core/events';
import { makeGuardedRepo, type GuardRepo } from './support/guard';

let repo: GuardRepo;
const HELD = 'held.txt';

beforeEach(() => {
  repo = makeGuardedRepo([HELD, 'free.txt']);
});
afterEach(() => repo.cleanup());

/** Runs git without throwing, as a person would (no session in the environment). */
function git(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stderr: string } {
  const result = spawnSync('git', args, { cwd: repo.root, env: { ...repo.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stderr: result.stderr };
}

const head = (): string => repo.git(['rev-parse', 'HEAD']);

/** Commits `file` with new content on the current branch, before anyone holds anything. */
function change(file: string, message: string): void {
  repo.write(file, `${message}\n`);
  repo.git(['add', file]);
  repo.git(['commit', '-q', '-m', message]);
}

/** `command` ends refused by the guard with HEAD where it was; `abort` then cleans up. */
function assertRefused(command: string[], abort: string[]): void {
  const before = head();
  const result = git(command);
  assert.notEqual(result.status, 0, `${command.join(' ')} went through: ${result.stderr}`);
  assert.match(result.stderr, /agent-lease guard: commit refused: 1 staged file is held by another session\.\n {2}held\.txt\n/, command.join(' '));
  assert.equal(head(), before, `${command.join(' ')} made no commit`);
  git(abort);
}

async function holdAsBob(): Promise<void> {
  await repo.hold('bob', [HELD], { task: 'rework held' });
}

test('git cherry-pick, git revert and git am of a change to a held file are refused', async () => {
  repo.git(['checkout', '-q', '-b', 'side']);
  change(HELD, 'side changes held');
  repo.git(['checkout', '-q', 'main']);
  change('free.txt', 'main changes free');
  const patch = repo.git(['format-patch', '-1', 'side', '-o', join(repo.base, 'patches')]);
  await holdAsBob();

  assertRefused(['cherry-pick', 'side'], ['cherry-pick', '--abort']);
  assertRefused(['am', patch], ['am', '--abort']);
  assert.equal(git(['revert', '--no-edit', 'HEAD']).status, 0, 'a revert of free files goes through');
  repo.git(['checkout', '-q', 'side']);
  assertRefused(['revert', '--no-edit', 'HEAD'], ['revert', '--abort']);
});

test('a clean git merge whose result changes a held file beyond every side is refused; --no-verify skips the guard as for git commit', async () => {
  repo.write(HELD, 'one\ntwo\nthree\nfour\nfive\n');
  repo.git(['commit', '-q', '-am', 'five lines']);
  repo.git(['checkout', '-q', '-b', 'side']);
  repo.write(HELD, 'ONE\ntwo\nthree\nfour\nfive\n');
  repo.git(['commit', '-q', '-am', 'side changes the first line']);
  repo.git(['checkout', '-q', 'main']);
  repo.write(HELD, 'one\ntwo\nthree\nfour\nFIVE\n');
  repo.git(['commit', '-q', '-am', 'main changes the last line']);
  await holdAsBob();

  assertRefused(['merge', '--no-edit', 'side'], ['merge', '--abort']);
  const skipped = git(['merge', '--no-verify', '--no-edit', 'side']);
  assert.equal(skipped.status, 0, skipped.stderr);
  assert.doesNotMatch(skipped.stderr, /agent-lease/, 'prepare-commit-msg leaves a merge to pre-merge-commit');
  assert.equal(repo.git(['show', 'HEAD:held.txt']), 'ONE\ntwo\nthree\nfour\nFIVE');
});

test('git rebase that replays a change to a held file stops at that commit', async () => {
  repo.git(['checkout', '-q', '-b', 'topic']);
  change('free.txt', 'topic changes free');
  change(HELD, 'topic changes held');
  repo.git(['checkout', '-q', 'main']);
  change('other.txt', 'main moves on');
  repo.git(['checkout', '-q', 'topic']);
  await holdAsBob();

  const result = git(['rebase', 'main']);
  assert.notEqual(result.status, 0, result.stderr);
  assert.match(result.stderr, /agent-lease guard: commit refused: 1 staged file is held by another session\.\n {2}held\.txt\n/);
  assert.equal(repo.git(['log', '-1', '--format=%s']), 'topic changes free', 'the free commit was replayed, the held one was not');
  git(['rebase', '--abort']);
});

test('a fast-forward and a merge that takes finished work as it is are never refused', async () => {
  repo.git(['checkout', '-q', '-b', 'mine']);
  change('free.txt', 'my own work');
  repo.git(['checkout', '-q', 'main']);
  change(HELD, "bob's finished work");
  repo.git(['checkout', '-q', '-b', 'behind', 'main~1']);
  await holdAsBob();

  const forward = git(['merge', '--ff-only', 'main']);
  assert.equal(forward.status, 0, forward.stderr);
  repo.git(['checkout', '-q', 'mine']);
  const merged = git(['merge', '--no-edit', 'main']);
  assert.equal(merged.status, 0, `held.txt is main's version, not an edit: ${merged.stderr}`);
  assert.equal(repo.git(['rev-list', '--count', '--merges', 'HEAD']), '1');
});

test('a plain git commit runs the guard once: one bypass is logged, not two', async () => {
  await holdAsBob();
  repo.write(HELD, 'bypassed\n');
  repo.git(['add', HELD]);
  const result = repo.commit(['-q', '-m', 'bypass'], { env: { AGENT_LEASE_BYPASS: '1' } });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr.match(/AGENT_LEASE_BYPASS=1: committing/g)?.length, 1, result.stderr);
  const bypasses = (await readEvents(repo.store())).filter((event) => event.kind === 'bypass');
  assert.equal(bypasses.length, 1);
});
