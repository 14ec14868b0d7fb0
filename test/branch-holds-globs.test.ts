// A glob claim (`agent-lease claim 'src/**'`) that ends — released, its session ended, or reclaimed
// once expired — becomes branch holds on the files under the glob that its branch changed and has
// not merged, instead of vanishing. Real git and worktrees, the compiled CLI and hooks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachEngine } from './support/engines';
import { branchWorld, denial, lines, replaceLine, type BranchWorld } from './support/branch-world';

const A = 'a0000000-0000-4000-8000-00000000000a';
const B = 'b0000000-0000-4000-8000-00000000000b';

/** `as` claims src/** in feature-a and commits changes to src/x.ts, src/sub/z.ts and docs/d.md (outside it). */
function claimedAndCommitted(world: BranchWorld, as: string, ttl?: string): { a: string; b: string } {
  const a = world.worktree('feature-a');
  const b = world.worktree('feature-b');
  const claim = world.repo.cli(['claim', 'src/**', ...(ttl === undefined ? [] : ['--ttl', ttl])], { cwd: a, env: { AGENT_LEASE_SESSION: as } });
  assert.equal(claim.status, 0, claim.stderr);
  world.repo.write('src/x.ts', replaceLine(lines('x', 20), 2, 'under the claim'), a);
  world.repo.write('src/sub/z.ts', 'new under the claim\n', a);
  world.repo.write('docs/d.md', 'outside the claim\n', a);
  world.commit(a, 'feature-a: src and docs');
  return { a, b };
}

function heldFiles(world: BranchWorld): string[][] {
  return world
    .holds()
    .map((hold) => [hold.pattern, hold.branch])
    .sort();
}

function assertHeldUnderGlob(world: BranchWorld, b: string): void {
  assert.deepEqual(heldFiles(world), [
    ['src/sub/z.ts', 'feature-a'],
    ['src/x.ts', 'feature-a'],
  ]);
  assert.match(denial(world.edit(B, b, 'src/x.ts')) ?? '', /branch feature-a changed src\/x\.ts/);
  assert.match(denial(world.edit(B, b, 'src/sub/z.ts')) ?? '', /branch feature-a changed src\/sub\/z\.ts/);
  assert.equal(denial(world.edit(B, b, 'src/y.ts')), null, 'a file under the glob the branch did not change is free');
  assert.equal(denial(world.edit(B, b, 'docs/d.md')), null, 'a changed file outside the glob was never claimed');
}

forEachEngine((engine) => {
  test('release of a glob claim: the files under it the branch changed stay held by the branch', (t) => {
    const world = branchWorld(t, { engine });
    const { a, b } = claimedAndCommitted(world, 'person-a');
    const released = world.repo.cli(['release', 'src/**', '--json'], { cwd: a, env: { AGENT_LEASE_SESSION: 'person-a' } });
    assert.equal(released.status, 0, released.stderr);
    const out = JSON.parse(released.stdout);
    assert.deepEqual(out.unmatched, []);
    assert.deepEqual(out.heldByBranch.map((hold: { pattern: string }) => hold.pattern).sort(), ['src/sub/z.ts', 'src/x.ts']);
    const tokens = world.holds().map((hold) => hold.token);
    assert.equal(new Set(tokens).size, 2, 'each file its own token');
    assertHeldUnderGlob(world, b);
    const claim = world.repo.json(['status', '--json', '--all']).leases.find((lease: { pattern: string }) => lease.pattern === 'src/**');
    assert.deepEqual([claim.state, claim.releaseReason], ['released', 'held by branch feature-a'], 'the glob claim itself ended');
    // A new lease after them never reuses a hold's token.
    assert.equal(world.repo.cli(['claim', 'src/new.ts'], { cwd: a, env: { AGENT_LEASE_SESSION: 'person-a' } }).status, 0);
    const claimed = world.repo.json(['status', '--json']).leases.find((lease: { pattern: string }) => lease.pattern === 'src/new.ts');
    assert.ok(!tokens.includes(claimed.token));
  });

  test("SessionEnd of an agent that claimed a glob: its branch's changed files under it are held", (t) => {
    const world = branchWorld(t, { engine });
    const { a, b } = claimedAndCommitted(world, A);
    assert.equal(world.sessionEnd(A, a).status, 0);
    assertHeldUnderGlob(world, b);
  });
});

test('agent-lease end of the claiming session: the same holds', (t) => {
  const world = branchWorld(t);
  const { b } = claimedAndCommitted(world, 'person-a');
  assert.equal(world.repo.cli(['end', 'person-a'], { cwd: world.repo.root }).status, 0);
  assertHeldUnderGlob(world, b);
});

forEachEngine((engine) => {
  test('an expired glob claim met by another session is reclaimed into holds on its changed files', async (t) => {
    const world = branchWorld(t, { engine });
    const { b } = claimedAndCommitted(world, 'person-a', '1s');
    await sleep(1_200);
    assert.match(denial(world.edit(B, b, 'src/x.ts')) ?? '', /branch feature-a changed src\/x\.ts/);
    assertHeldUnderGlob(world, b);
  });
});
