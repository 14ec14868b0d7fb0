// Branch holds come into being when a session's lease on a committed, unmerged file would end: at
// Stop, at SessionEnd, at an explicit release, and when a killed agent's lease is reclaimed. Real
// git, real worktrees, the compiled hooks as child processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachEngine } from './support/engines';
import { branchWorld, denial, lines, replaceLine } from './support/branch-world';

const A = 'a0000000-0000-4000-8000-00000000000a';
const B = 'b0000000-0000-4000-8000-00000000000b';
const X = lines('x', 20);

forEachEngine((engine) => {
  test('commit then Stop: the lease passes to the branch, and a session on another branch is denied naming it', (t) => {
    const world = branchWorld(t, { engine });
    const a = world.worktree('feature-auth');
    const b = world.worktree('feature-b');
    world.write(A, a, 'src/x.ts', replaceLine(X, 2, 'auth change'));
    world.commit(a, 'auth: rework x');
    assert.equal(world.stop(A, a).status, 0);

    const [hold] = world.holds();
    assert.equal(hold?.source, 'branch');
    assert.equal(hold?.branch, 'feature-auth');
    assert.equal(hold?.session, A);
    assert.equal(hold?.commit, world.git(['rev-parse', 'HEAD'], a));

    const reason = denial(world.edit(B, b, 'src/x.ts'));
    assert.ok(reason !== null, 'B is denied');
    assert.match(reason, /branch feature-auth changed src\/x\.ts and it is not merged into main yet/);
    assert.match(reason, /last changed there in [0-9a-f]{7} "auth: rework x"/);
    assert.match(reason, /a session is still working on that branch/);
    assert.match(reason, /git merge feature-auth/);
    assert.equal(denial(world.edit(B, b, 'src/y.ts')), null, 'other files are free');
    assert.equal(denial(world.edit(A, a, 'src/x.ts')), null, "the holding branch's own session never conflicts with it");
  });
});

test('a reverted edit leaves no hold, and neither does a session on the integration branch itself', (t) => {
  const world = branchWorld(t);
  const a = world.worktree('feature-a');
  world.write(A, a, 'src/x.ts', 'changed\n');
  world.git(['checkout', '--', 'src/x.ts'], a);
  world.stop(A, a);
  world.write(B, world.repo.root, 'src/y.ts', 'on main\n');
  world.commit(world.repo.root, 'main work');
  world.stop(B, world.repo.root);
  assert.deepEqual(world.holds(), []);
});

forEachEngine((engine) => {
  test('commit then SessionEnd: the lease passes to the branch', (t) => {
    const world = branchWorld(t, { engine });
    const a = world.worktree('feature-a');
    const b = world.worktree('feature-b');
    world.write(A, a, 'src/x.ts', replaceLine(X, 2, 'a'));
    world.commit(a, 'a');
    assert.equal(world.sessionEnd(A, a).status, 0);
    assert.deepEqual(
      world.holds().map((hold) => [hold.pattern, hold.branch]),
      [['src/x.ts', 'feature-a']],
    );
    const reason = denial(world.edit(B, b, 'src/x.ts'));
    assert.match(reason ?? '', /branch feature-a changed src\/x\.ts/);
    assert.match(reason ?? '', /no session is working on that branch now/);
  });

  test('commit then SIGKILL: the killed agent leaves a hold, not a free file', async (t) => {
    const world = branchWorld(t, { engine });
    const a = world.worktree('feature-a');
    const b = world.worktree('feature-b');
    const agent = world.agent(A);
    await agent.write(a, 'src/x.ts', replaceLine(X, 2, 'killed'));
    world.commit(a, 'committed before the kill');
    await agent.kill();

    const reason = denial(world.edit(B, b, 'src/x.ts'));
    assert.match(reason ?? '', /branch feature-a changed src\/x\.ts/);
    const log = world.repo.json(['log', '--json']) as Array<{ kind: string; actor: string | null; pattern: string | null }>;
    assert.ok(
      log.some((event) => event.kind === 'hold' && event.actor === B && event.pattern === 'src/x.ts'),
      'the reclaim that made the hold is logged',
    );
  });
});

test('a killed agent that committed nothing leaves a free file', async (t) => {
  const world = branchWorld(t);
  const a = world.worktree('feature-a');
  const b = world.worktree('feature-b');
  const agent = world.agent(A);
  await agent.write(a, 'src/x.ts', replaceLine(X, 2, 'never committed'));
  await agent.kill();
  assert.equal(denial(world.edit(B, b, 'src/x.ts')), null);
  assert.deepEqual(world.holds(), []);
});

forEachEngine((engine) => {
  test('commit then release: the file stays held by the branch, and the asker is told to bring it in', (t) => {
    const world = branchWorld(t, { engine });
    const a = world.worktree('feature-a');
    const b = world.worktree('feature-b');
    world.repo.cli(['claim', 'src/x.ts', '--session', 'alice'], { cwd: a });
    world.repo.write('src/x.ts', replaceLine(X, 2, 'alice'), a);
    world.commit(a, 'alice: x');
    const released = world.repo.cli(['release', 'src/x.ts', '--session', 'alice'], { cwd: a });
    assert.equal(released.status, 0, released.stderr);
    assert.match(released.stdout, /src\/x\.ts stays held by branch feature-a until it is merged into main.*git merge feature-a/);
    assert.deepEqual(
      world.holds().map((hold) => [hold.branch, hold.session]),
      [['feature-a', 'alice']],
    );
    assert.match(denial(world.edit(B, b, 'src/x.ts')) ?? '', /branch feature-a/);
  });
});

test('a detached HEAD makes no hold, and says so', (t) => {
  const world = branchWorld(t);
  const a = world.worktree('feature-a');
  world.git(['checkout', '-q', '--detach'], a);
  world.write(A, a, 'src/x.ts', replaceLine(X, 2, 'detached'));
  world.commit(a, 'on a detached head');
  const stop = world.stop(A, a);
  assert.match(stop.json?.systemMessage ?? '', /HEAD is detached .*no branch holds the committed, unmerged change to src\/x\.ts/);
  assert.deepEqual(world.holds(), []);
});

test('a repository with no remote and a master branch: holds are judged against master', (t) => {
  const world = branchWorld(t);
  world.git(['branch', '-m', 'main', 'master']);
  const a = world.worktree('feature-a');
  const b = world.worktree('feature-b');
  world.write(A, a, 'src/x.ts', replaceLine(X, 2, 'a'));
  world.commit(a, 'a');
  world.stop(A, a);
  assert.match(denial(world.edit(B, b, 'src/x.ts')) ?? '', /not merged into master yet/);
  world.git(['merge', '-q', '--no-verify', 'feature-a']);
  assert.equal(denial(world.edit(B, b, 'src/x.ts')), null);
});

test('the configured integration branch wins over main', (t) => {
  const world = branchWorld(t, { config: { integrationBranch: 'develop' } });
  world.git(['branch', 'develop']);
  const a = world.worktree('feature-a');
  const b = world.worktree('feature-b');
  world.write(A, a, 'src/x.ts', replaceLine(X, 2, 'a'));
  world.commit(a, 'a');
  world.stop(A, a);
  world.git(['merge', '-q', '--no-verify', 'feature-a']);
  assert.match(denial(world.edit(B, b, 'src/x.ts')) ?? '', /not merged into develop yet/, 'merged into main, not into develop');
  world.git(['checkout', '-q', 'develop']);
  world.git(['merge', '-q', '--no-verify', 'feature-a']);
  assert.equal(denial(world.edit(B, b, 'src/x.ts')), null);
});
