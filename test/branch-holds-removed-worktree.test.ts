// A worktree removed after its session committed (`git worktree remove`, `claude -w`'s "Remove
// worktree" when the branch stays): the branch outlives the directory, so the lease on the
// committed, unmerged change passes to the branch the session recorded — at SessionEnd (whose cwd
// is then the main worktree) and when another session meets the lease — with git asked from a
// worktree that still exists. When the branch went with it, the lease is released as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { branchWorld, denial, lines, replaceLine, type BranchWorld } from './support/branch-world';
import { fixture, runHook } from './support/hooks';

const W = 'a0000000-0000-4000-8000-00000000000a';
const B = 'b0000000-0000-4000-8000-00000000000b';

/** W edits and commits src/x.ts in its own worktree on worktree-feat, which is then removed (the branch kept). */
function committedThenRemoved(world: BranchWorld): { b: string } {
  const w = world.worktree('worktree-feat');
  const b = world.worktree('feature-b');
  world.write(W, w, 'src/x.ts', replaceLine(lines('x', 20), 2, 'from the removed worktree'));
  world.commit(w, 'feat: x');
  world.git(['worktree', 'remove', '--force', w]);
  assert.equal(existsSync(w), false);
  return { b };
}

test('commit, remove the worktree, then SessionEnd from the main worktree: the branch holds the file', (t) => {
  const world = branchWorld(t);
  const { b } = committedThenRemoved(world);
  assert.equal(world.sessionEnd(W, world.repo.root).status, 0);
  const [hold] = world.holds();
  assert.deepEqual([hold?.pattern, hold?.branch, hold?.session], ['src/x.ts', 'worktree-feat', W]);
  assert.match(denial(world.edit(B, b, 'src/x.ts')) ?? '', /branch worktree-feat changed src\/x\.ts and it is not merged into main yet/);
});

test('commit, remove the worktree: another session meeting the lease finds a hold, not a free file', (t) => {
  const world = branchWorld(t);
  const { b } = committedThenRemoved(world);
  const reason = denial(world.edit(B, b, 'src/x.ts'));
  assert.match(reason ?? '', /branch worktree-feat changed src\/x\.ts/);
  assert.match(reason ?? '', /last changed there in [0-9a-f]{7} "feat: x"/);
  const [hold] = world.holds();
  assert.deepEqual([hold?.branch, hold?.commit], ['worktree-feat', world.git(['rev-parse', 'worktree-feat'])]);
  const log = world.repo.json(['log', '--json']) as Array<{ kind: string; actor: string | null; detail: { reason?: string } | null }>;
  assert.ok(log.some((event) => event.kind === 'hold' && event.actor === B));
  assert.ok(!log.some((event) => event.detail?.reason === 'worktree-removed'), 'not released as worktree-removed');
});

test('commit, remove the worktree: check, who and status already show the hold an edit would meet', (t) => {
  const world = branchWorld(t);
  committedThenRemoved(world);
  const check = world.repo.cli(['check', 'src/x.ts', '--as', 'bob']);
  assert.equal(check.status, 1, 'held, as an edit would be told');
  assert.match(check.stdout, /^src\/x\.ts: .*branch worktree-feat/);
  assert.match(world.repo.cli(['who', 'src/x.ts']).stdout, /branch worktree-feat/);
  assert.deepEqual(
    world.holds().map((hold) => [hold.pattern, hold.branch]),
    [['src/x.ts', 'worktree-feat']],
  );
});

test('commit, remove the worktree, then gc: the branch holds the file', (t) => {
  const world = branchWorld(t);
  committedThenRemoved(world);
  assert.equal(world.repo.json(['gc', '--json']).heldByBranch, 1);
  assert.deepEqual(
    world.holds().map((hold) => hold.branch),
    ['worktree-feat'],
  );
});

test('worktree and branch both removed: the lease is released as worktree-removed and the file is free', (t) => {
  const world = branchWorld(t);
  const { b } = committedThenRemoved(world);
  world.git(['branch', '-q', '-D', 'worktree-feat']);
  assert.equal(world.repo.cli(['check', 'src/x.ts', '--as', 'bob']).status, 0, 'free, as an edit finds it');
  assert.equal(denial(world.edit(B, b, 'src/x.ts')), null);
  assert.deepEqual(world.holds(), []);
  const log = world.repo.json(['log', '--json']) as Array<{ kind: string; detail: { reason?: string } | null }>;
  assert.ok(log.some((event) => event.kind === 'takeover' && event.detail?.reason === 'worktree-removed'));
});

test('a removed worktree whose change was merged: released, no hold', (t) => {
  const world = branchWorld(t);
  const { b } = committedThenRemoved(world);
  world.git(['merge', '-q', '--no-verify', 'worktree-feat']);
  assert.equal(world.sessionEnd(W, world.repo.root).status, 0);
  assert.deepEqual(world.holds(), []);
  world.git(['merge', '-q', '--no-verify', 'main'], b);
  assert.equal(denial(world.edit(B, b, 'src/x.ts')), null);
});

test('WorktreeRemove of a hook-made worktree whose change is committed: the branch holds the file', (t) => {
  const world = branchWorld(t);
  const w = world.worktree('hook-made');
  const b = world.worktree('feature-b');
  world.write(W, w, 'src/x.ts', replaceLine(lines('x', 20), 2, 'hook-made change'));
  world.commit(w, 'hook-made: x');
  world.write(W, w, 'src/y.ts', 'uncommitted\n');
  const removed = runHook(
    'worktree-remove',
    { ...fixture('stop', world.repo.root, W), hook_event_name: 'WorktreeRemove', worktree_path: w },
    { env: world.env },
  );
  assert.deepEqual([removed.status, removed.stderr], [0, '']);
  assert.deepEqual(
    world.holds().map((hold) => [hold.pattern, hold.branch]),
    [['src/x.ts', 'hook-made']],
  );
  assert.match(denial(world.edit(B, b, 'src/x.ts')) ?? '', /branch hook-made/);
  assert.equal(denial(world.edit(B, b, 'src/y.ts')), null, 'the uncommitted change went with the worktree');
});
