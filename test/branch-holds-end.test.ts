// A branch hold ends when its change reaches the integration branch — by fast-forward, merge
// commit, squash (of several commits, and with the file changed again afterwards), rebase merge or
// cherry-pick — when its branch is deleted, at its TTL, or on `release --branch`. A branch that
// merged the holder already has the change and may edit on top of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../lib/core/store';
import { forEachEngine } from './support/engines';
import { branchWorld, denial, lines, replaceLine, type BranchWorld } from './support/branch-world';

const A = 'a0000000-0000-4000-8000-00000000000a';
const B = 'b0000000-0000-4000-8000-00000000000b';
const X = lines('x', 20);

/** feature-a holds src/x.ts after `commits` commits changing lines 2, 3, ...; B works in feature-b. */
function held(world: BranchWorld, commits = 1): { a: string; b: string } {
  const a = world.worktree('feature-a');
  const b = world.worktree('feature-b');
  let text = X;
  for (let i = 0; i < commits; i++) {
    text = replaceLine(text, 2 + i, `feature-a change ${i + 1}`);
    world.write(A, a, 'src/x.ts', text);
    world.commit(a, `feature-a ${i + 1}`);
  }
  world.stop(A, a);
  assert.match(denial(world.edit(B, b, 'src/x.ts')) ?? '', /branch feature-a/, 'held before it is integrated');
  return { a, b };
}

/** Main changes line 15 of src/x.ts (far from the branch's change): the file moves on. */
function mainMovesOn(world: BranchWorld, line = 15): void {
  const root = world.repo.root;
  world.repo.write('src/x.ts', replaceLine(world.git(['show', 'HEAD:src/x.ts']).concat('\n'), line, `main change at ${line}`), root);
  world.commit(root, `main: line ${line}`);
}

function endsHold(world: BranchWorld, b: string, how: string): void {
  assert.equal(denial(world.edit(B, b, 'src/x.ts')), null, `B may edit after ${how}`);
  const log = world.repo.json(['log', '--json']) as Array<{ kind: string; detail: { reason?: string } | null }>;
  assert.ok(
    log.some((event) => event.kind === 'hold-end' && event.detail?.reason === 'integrated'),
    `the end is logged as integrated after ${how}`,
  );
  assert.deepEqual(world.holds(), []);
}

forEachEngine((engine) => {
  test('a fast-forward merge ends the hold', (t) => {
    const world = branchWorld(t, { engine });
    const { b } = held(world);
    world.git(['merge', '-q', '--ff-only', 'feature-a']);
    endsHold(world, b, 'a fast-forward');
  });
});

test('a merge commit ends the hold, also when the integration branch changed the file since', (t) => {
  const world = branchWorld(t);
  const { b } = held(world);
  mainMovesOn(world);
  world.git(['merge', '-q', '--no-ff', '--no-verify', '-m', 'merge feature-a', 'feature-a']);
  mainMovesOn(world, 18);
  endsHold(world, b, 'a merge commit');
});

test('a squash merge of several commits into one ends the hold, also with the file changed again on main afterwards', (t) => {
  const world = branchWorld(t);
  const { b } = held(world, 3);
  world.git(['merge', '-q', '--squash', 'feature-a']);
  world.git(['commit', '-q', '--no-verify', '-m', 'squash feature-a']);
  mainMovesOn(world);
  endsHold(world, b, 'a squash merge then another change');
});

test('a squash merge onto a file main had changed already ends the hold (patch identity)', (t) => {
  const world = branchWorld(t);
  const { b } = held(world, 2);
  mainMovesOn(world);
  world.git(['merge', '-q', '--squash', 'feature-a']);
  world.git(['commit', '-q', '--no-verify', '-m', 'squash feature-a']);
  mainMovesOn(world, 18);
  endsHold(world, b, 'a squash onto a moved file');
});

test('a rebase merge ends the hold', (t) => {
  const world = branchWorld(t);
  const { b } = held(world, 2);
  mainMovesOn(world);
  // As a forge's "rebase and merge": the branch's commits replayed onto main; the branch itself is left as it was.
  world.git(['checkout', '-q', '-b', 'rebasing', 'feature-a']);
  world.git(['rebase', '-q', 'main']);
  world.git(['checkout', '-q', 'main']);
  world.git(['merge', '-q', '--ff-only', 'rebasing']);
  world.git(['branch', '-q', '-D', 'rebasing']);
  endsHold(world, b, 'a rebase merge');
});

test('a cherry-pick into main ends the hold', (t) => {
  const world = branchWorld(t);
  const { b } = held(world);
  mainMovesOn(world);
  world.git(['cherry-pick', 'feature-a']);
  endsHold(world, b, 'a cherry-pick');
});

test('an unrelated change on main does not end it', (t) => {
  const world = branchWorld(t);
  const { b } = held(world);
  mainMovesOn(world);
  world.repo.write('src/y.ts', 'main\n');
  world.commit(world.repo.root, 'main: y');
  assert.match(denial(world.edit(B, b, 'src/x.ts')) ?? '', /branch feature-a/);
});

test('a branch that merged the holder may edit on top of it; the hold stays for others', (t) => {
  const world = branchWorld(t);
  const { b } = held(world);
  const c = world.worktree('feature-c');
  world.git(['merge', '-q', '--no-verify', 'feature-a'], b);
  assert.equal(denial(world.edit(B, b, 'src/x.ts')), null);
  assert.match(denial(world.edit('c0000000-0000-4000-8000-00000000000c', c, 'src/x.ts')) ?? '', /branch feature-a/);
  assert.equal(world.holds().length, 1);
});

test('a branch rebased onto the holder may edit on top of it', (t) => {
  const world = branchWorld(t);
  const { b } = held(world);
  world.git(['rebase', '-q', 'feature-a'], b);
  assert.equal(denial(world.edit(B, b, 'src/x.ts')), null);
});

forEachEngine((engine) => {
  test('the TTL ends the hold', async (t) => {
    const world = branchWorld(t, { config: { branchHolds: { ttl: '1h' } }, engine });
    const { b } = held(world);
    const [hold] = world.repo.json(['status', '--json']).leases;
    assert.equal(Date.parse(hold.expiresAt) - Date.parse(hold.acquiredAt), 3_600_000, 'the configured TTL');
    // The hour passes (the hooks run on the wall clock, so the store is moved instead).
    await world.withStore((store) => store.write(() => run('UPDATE branch_holds SET expires_at = ?', Date.now() - 1)));
    assert.equal(denial(world.edit(B, b, 'src/x.ts')), null);
    const log = world.repo.json(['log', '--json']) as Array<{ kind: string; detail: { reason?: string } | null }>;
    assert.ok(log.some((event) => event.kind === 'hold-end' && event.detail?.reason === 'expired'));
  });

  test('release --branch ends the holds of that branch now, logged', (t) => {
    const world = branchWorld(t, { engine });
    const { b } = held(world);
    const run = world.repo.cli(['release', '--branch', 'feature-a', '--json']);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(
      JSON.parse(run.stdout).released.map((lease: { pattern: string; branch: string }) => [lease.pattern, lease.branch]),
      [['src/x.ts', 'feature-a']],
    );
    assert.equal(denial(world.edit(B, b, 'src/x.ts')), null);
    const log = world.repo.json(['log', '--json']) as Array<{ kind: string; actor: string | null; detail: { reason?: string } | null }>;
    assert.ok(log.some((event) => event.kind === 'hold-end' && event.detail?.reason === 'released' && event.actor === 'tester'));
  });

  test('gc and status end holds git shows merged', (t) => {
    const world = branchWorld(t, { engine });
    held(world);
    world.git(['merge', '-q', '--squash', 'feature-a']);
    world.git(['commit', '-q', '--no-verify', '-m', 'squash']);
    assert.deepEqual(world.holds(), [], 'status ends it');
  });
});

test('deleting the branch ends the hold', (t) => {
  const world = branchWorld(t);
  const { a, b } = held(world);
  world.git(['worktree', 'remove', '--force', a]);
  world.git(['branch', '-q', '-D', 'feature-a']);
  assert.equal(denial(world.edit(B, b, 'src/x.ts')), null);
  const log = world.repo.json(['log', '--json']) as Array<{ kind: string; detail: { reason?: string } | null }>;
  assert.ok(log.some((event) => event.kind === 'hold-end' && event.detail?.reason === 'branch deleted'));
});
