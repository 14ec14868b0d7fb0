// Sessions that share an area (each has claimed it --shared) may all edit in it: an edit there is
// taken shared and goes ahead, and the model is told what the other sharing sessions changed in
// the file (git diff --stat and a short excerpt), committed or not, so that it builds on it. A
// session that does not share the area is still denied. Real git, worktrees, the compiled hook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { branchWorld, denial, lines, replaceLine, type BranchWorld } from './support/branch-world';

const A = 'a0000000-0000-4000-8000-00000000000a';
const B = 'b0000000-0000-4000-8000-00000000000b';
const C = 'c0000000-0000-4000-8000-00000000000c';

function context(world: BranchWorld, session: string, worktree: string, path: string): string {
  const run = world.edit(session, worktree, path);
  assert.equal(denial(run), null, `${session} may edit ${path}: ${run.stdout}`);
  return run.json?.hookSpecificOutput?.additionalContext ?? '';
}

test('an edit in an area two sessions share goes ahead and is told what the other changed there', (t) => {
  const world = branchWorld(t);
  const a = world.worktree('feature-a');
  const b = world.worktree('feature-b');
  world.share(A, a, 'src/**');
  world.share(B, b, 'src/**');
  assert.equal(context(world, A, a, 'src/x.ts'), '', 'nothing changed there by B yet: nothing to tell');
  world.repo.write('src/x.ts', replaceLine(lines('x', 20), 3, 'A shared change'), a);

  const told = context(world, B, b, 'src/x.ts');
  assert.match(told, /^agent-lease: a0000000\S* shares src\/\*\* with this session and has changed src\/x\.ts in \S+feature-a/);
  assert.match(told, /src\/x\.ts \| 2 \+-/, 'git diff --stat');
  assert.match(told, /^ {4}\+A shared change$/m, 'the excerpt, indented as data');

  world.commit(a, 'A: x');
  assert.match(context(world, B, b, 'src/x.ts'), /\+A shared change/, 'committed on its branch and not merged: still told');
  assert.equal(context(world, B, b, 'src/y.ts'), '', 'a file A did not change: nothing to tell');
});

test('a session that does not share the area is still denied by the shared leases', (t) => {
  const world = branchWorld(t);
  const a = world.worktree('feature-a');
  const c = world.worktree('feature-c');
  world.share(A, a, 'src/**');
  assert.match(denial(world.edit(C, c, 'src/x.ts')) ?? '', /holds src\/\*\* shared/);
});
