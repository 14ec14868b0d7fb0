// A branch that has merged or rebased onto the holding branch already has the change and may edit
// on top of it: the edit goes ahead (acquire) and `check`, asked from that branch's worktree,
// agrees; for a branch without the change both still name the hold. Real git and worktrees, the
// compiled hook and CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachEngine, type Engine } from './support/engines';
import { branchWorld, denial, lines, replaceLine, type BranchWorld } from './support/branch-world';

const A = 'a0000000-0000-4000-8000-00000000000a';
const B = 'b0000000-0000-4000-8000-00000000000b';
const C = 'c0000000-0000-4000-8000-00000000000c';

function heldByFeatureA(world: BranchWorld): { b: string; c: string } {
  const a = world.worktree('feature-a');
  const b = world.worktree('feature-b');
  const c = world.worktree('feature-c');
  world.write(A, a, 'src/x.ts', replaceLine(lines('x', 20), 2, 'feature-a change'));
  world.commit(a, 'feature-a: x');
  world.stop(A, a);
  assert.equal(world.holds().length, 1);
  return { b, c };
}

function check(world: BranchWorld, cwd: string): { status: number | null; stdout: string } {
  return world.repo.cli(['check', 'src/x.ts', '--session', 'someone'], { cwd });
}

/** Git tells merged from rebased; what the store is asked is the same: the rebase runs on SQLite alone. */
function containsTheHolder(how: 'merged' | 'rebased onto', engine: Engine): void {
  test(`a branch that ${how} the holding branch: its edit goes ahead and check says the file is free for it`, (t) => {
    const world = branchWorld(t, { engine });
    const { b, c } = heldByFeatureA(world);
    world.git(how === 'merged' ? ['merge', '-q', '--no-verify', 'feature-a'] : ['rebase', '-q', 'feature-a'], b);

    const fromB = check(world, b);
    assert.equal(fromB.status, 0, `check from feature-b: ${fromB.stdout}`);
    assert.equal(fromB.stdout, '');
    assert.equal(denial(world.edit(B, b, 'src/x.ts')), null, 'acquire agrees');

    const fromC = check(world, c);
    assert.equal(fromC.status, 1);
    assert.match(fromC.stdout, /branch feature-a/);
    assert.match(denial(world.edit(C, c, 'src/x.ts')) ?? '', /branch feature-a/);
    assert.equal(world.holds().length, 1, 'the hold stays for the others');
  });
}

forEachEngine((engine) => {
  containsTheHolder('merged', engine);

  test("check from the holding branch's own worktree does not count its hold", (t) => {
    const world = branchWorld(t, { engine });
    heldByFeatureA(world);
    const a = world.git(['worktree', 'list', '--porcelain']).match(/worktree (\S*feature-a)\n/)?.[1];
    assert.ok(a !== undefined);
    assert.equal(check(world, a).status, 0);
  });
});
containsTheHolder('rebased onto', 'sqlite');
