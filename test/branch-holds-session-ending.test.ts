// Every way a session is ended makes branch holds as its SessionEnd hook does: `agent-lease end`
// (an agent's session with --force, a person's claim), doctor --fix and gc ending sessions whose
// process is gone. Real git and worktrees, the compiled CLI and hooks, a stand-in agent killed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachEngine } from './support/engines';
import { branchWorld, denial, lines, replaceLine } from './support/branch-world';

const A = 'a0000000-0000-4000-8000-00000000000a';
const B = 'b0000000-0000-4000-8000-00000000000b';
const X = replaceLine(lines('x', 20), 2, 'feature-a change');

forEachEngine((engine) => {
  test("agent-lease end of an agent's session that committed: the branch holds the file, and says so", (t) => {
    const world = branchWorld(t, { engine });
    const a = world.worktree('feature-a');
    const b = world.worktree('feature-b');
    world.write(A, a, 'src/x.ts', X);
    world.commit(a, 'feature-a: x');
    world.write(A, a, 'src/y.ts', 'not committed\n');
    const ended = world.repo.cli(['end', A, '--force', '--json'], { cwd: world.repo.root });
    assert.equal(ended.status, 0, ended.stderr);
    const out = JSON.parse(ended.stdout);
    assert.equal(out.released, 1, 'src/y.ts');
    assert.deepEqual(
      out.heldByBranch.map((hold: { pattern: string; branch: string }) => [hold.pattern, hold.branch]),
      [['src/x.ts', 'feature-a']],
    );
    assert.deepEqual(
      world.holds().map((hold) => [hold.pattern, hold.branch, hold.session]),
      [['src/x.ts', 'feature-a', A]],
    );
    assert.match(denial(world.edit(B, b, 'src/x.ts')) ?? '', /branch feature-a changed src\/x\.ts/);
  });

  for (const command of [
    ['doctor', '--fix', '--json'],
    ['gc', '--json'],
  ]) {
    test(`${command[0]} ending a killed agent's session: its committed file passes to the branch`, async (t) => {
      const world = branchWorld(t, { engine });
      const a = world.worktree('feature-a');
      const b = world.worktree('feature-b');
      const agent = world.agent(A);
      await agent.write(a, 'src/x.ts', X);
      world.commit(a, 'committed before the kill');
      await agent.kill();
      world.repo.cli(command, { cwd: world.repo.root });
      const session = world.repo.json(['status', '--json', '--all']).sessions.find((s: { id: string }) => s.id === A);
      assert.ok(session.endedAt, `${command[0]} ended the session`);
      assert.deepEqual(
        world.holds().map((hold) => [hold.pattern, hold.branch]),
        [['src/x.ts', 'feature-a']],
      );
      assert.match(denial(world.edit(B, b, 'src/x.ts')) ?? '', /branch feature-a/);
    });
  }
});

test("agent-lease end of a person's claim whose file is committed on the branch: the text names the hold", (t) => {
  const world = branchWorld(t);
  const a = world.worktree('feature-a');
  const b = world.worktree('feature-b');
  const person = { AGENT_LEASE_SESSION: 'person-on-a' };
  assert.equal(world.repo.cli(['claim', 'src/x.ts'], { cwd: a, env: person }).status, 0);
  world.repo.write('src/x.ts', X, a);
  world.commit(a, 'person: x');
  const ended = world.repo.cli(['end', 'person-on-a'], { cwd: a });
  assert.equal(ended.status, 0, ended.stderr);
  assert.match(ended.stdout, /src\/x\.ts stays held by branch feature-a until it is merged into main/);
  assert.match(denial(world.edit(B, b, 'src/x.ts')) ?? '', /branch feature-a/);
});
