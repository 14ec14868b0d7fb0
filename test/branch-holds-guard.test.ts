// The commit guard and branch holds: an agent's commit touching a file another unmerged branch
// holds is refused, a person's warned (or refused, if configured); a merge, squash merge or
// cherry-pick of the holding branch into the integration branch is never refused for its holds.
// With the guard in .git/hooks and with husky, real `git commit`s in real worktrees.
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachEngine, type Engine } from './support/engines';
import { branchWorld, lines, replaceLine, type BranchWorld } from './support/branch-world';

const A = 'a0000000-0000-4000-8000-00000000000a';
const B = 'b0000000-0000-4000-8000-00000000000b';
const X = lines('x', 20);

/**
 * Session A, a stand-in agent process of its own (so that no commit of this test process passes
 * for A's), edits and commits src/x.ts on feature-a and ends its turn.
 */
async function heldByFeatureA(world: BranchWorld): Promise<{ a: string; b: string }> {
  const a = world.worktree('feature-a');
  const b = world.worktree('feature-b');
  const agent = world.agent(A);
  await agent.write(a, 'src/x.ts', replaceLine(X, 2, 'feature-a'));
  world.commit(a, 'feature-a: x');
  await agent.stop(a);
  assert.equal(world.holds().length, 1);
  return { a, b };
}

/** How the guard is installed changes nothing of what it decides: husky's is run on SQLite alone. */
function refusedAndWarned(guard: 'hooks' | 'husky', engine: Engine): void {
  test(`guard (${guard}): an agent's commit of a file another branch holds is refused; a person's is warned`, async (t) => {
    const world = branchWorld(t, { guard, engine });
    const { b } = await heldByFeatureA(world);
    world.repo.write('src/x.ts', replaceLine(X, 10, 'feature-b'), b);
    const agent = world.guardedCommit(b, 'b: x', { CLAUDE_CODE_SESSION_ID: B });
    assert.equal(agent.status, 1, agent.stderr);
    assert.match(agent.stderr, /commit refused/);
    assert.match(agent.stderr, /branch feature-a \(committed in [0-9a-f]{7}, .*\) holds src\/x\.ts until it is merged/);

    const person = world.guardedCommit(b, 'b: x by a person');
    assert.equal(person.status, 0, person.stderr);
    assert.match(person.stderr, /warning: another branch has unmerged changes .*\n {2}src\/x\.ts\n {4}branch feature-a/);
  });
}

forEachEngine((engine) => {
  refusedAndWarned('hooks', engine);

  test("the holding branch's own commits are never refused for its holds", async (t) => {
    const world = branchWorld(t, { guard: 'hooks', engine });
    const { a } = await heldByFeatureA(world);
    world.repo.write('src/x.ts', replaceLine(replaceLine(X, 2, 'feature-a'), 4, 'more'), a);
    const commit = world.guardedCommit(a, 'feature-a: more', { AGENT_LEASE_SESSION: A });
    assert.equal(commit.status, 0, commit.stderr);
  });
});
refusedAndWarned('husky', 'sqlite');

test('a person is refused when branchHolds.personCommits is "refuse"', async (t) => {
  const world = branchWorld(t, { guard: 'hooks', config: { branchHolds: { personCommits: 'refuse' } } });
  const { b } = await heldByFeatureA(world);
  world.repo.write('src/x.ts', replaceLine(X, 10, 'feature-b'), b);
  const person = world.guardedCommit(b, 'b: x');
  assert.equal(person.status, 1);
  assert.match(person.stderr, /commit refused.*\n {2}src\/x\.ts\n {4}branch feature-a/);
});

test('merging the holding branch into main is never refused for its holds: merge commit, squash, cherry-pick', async (t) => {
  const world = branchWorld(t, { guard: 'hooks' });
  await heldByFeatureA(world);
  const root = world.repo.root;
  world.repo.write('src/x.ts', replaceLine(X, 15, 'main'), root);
  world.commit(root, 'main: x');
  const agentEnv = { ...world.repo.env, CLAUDE_CODE_SESSION_ID: 'integrator' };
  for (const [how, steps] of [
    [
      'squash',
      [
        ['merge', '-q', '--squash', 'feature-a'],
        ['commit', '-q', '-m', 'squash feature-a'],
      ],
    ],
    ['cherry-pick', [['cherry-pick', 'feature-a']]],
    ['merge commit', [['merge', '-q', '--no-ff', '-m', 'merge feature-a', 'feature-a']]],
  ] as const) {
    const before = world.git(['rev-parse', 'HEAD']);
    for (const step of steps) {
      const result = spawnSync('git', step, { cwd: root, env: agentEnv, encoding: 'utf8' });
      assert.equal(result.status, 0, `${how}: git ${step.join(' ')}: ${result.stderr}`);
    }
    assert.notEqual(world.git(['rev-parse', 'HEAD']), before, `${how} made a commit`);
    world.git(['reset', '-q', '--hard', before]);
  }
});
