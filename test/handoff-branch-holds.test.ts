// `ask` meets branch holds: a file held by another branch's committed, unmerged change has no
// session to hand it over, so the asker is told to bring that branch in (through the CLI and the
// MCP tool alike), and an asker whose holder answers by releasing such a change into a hold is
// told the same, once, at its next hook. Real git, real worktrees, compiled hooks and CLI, the
// MCP server under the SDK's client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readEvents } from '../lib/core/events';
import { forEachEngine, type Engine } from './support/engines';
import { branchWorld, lines, replaceLine, type BranchWorld } from './support/branch-world';
import { withoutIdentity } from './support/cli';
import { startMcpServer } from './support/mcp';

const B = 'b0000000-0000-4000-8000-00000000000b';
const X = lines('x', 20);

/** Alice's change to src/x.ts, committed on feature-a and released: a branch hold. */
function committedAndReleased(world: BranchWorld, a: string): string {
  world.repo.write('src/x.ts', replaceLine(X, 2, 'alice'), a);
  world.commit(a, 'alice: x');
  const released = world.repo.cli(['release', 'src/x.ts', '--session', 'alice'], { cwd: a });
  assert.equal(released.status, 0, released.stderr);
  assert.deepEqual(
    world.holds().map((hold) => hold.branch),
    ['feature-a'],
  );
  return world.git(['rev-parse', '--short=7', 'HEAD'], a);
}

function contextOf(world: BranchWorld, worktree: string, path: string): string {
  const run = world.edit(B, worktree, path);
  assert.equal(run.status, 0, run.stderr);
  return run.json?.hookSpecificOutput?.additionalContext ?? '';
}

const BRING_IN = /To work on it, bring that branch in first \(`git merge feature-a`, or rebase onto it\) and edit on top of its change\./;

forEachEngine((engine) => {
  test('asking for a file a branch holds names the branch and its commit to merge, through the CLI and the MCP tool, and asks nobody', async (t) => {
    const world = branchWorld(t, { engine });
    const a = world.worktree('feature-a');
    const b = world.worktree('feature-b');
    world.repo.cli(['claim', 'src/x.ts', '--session', 'alice'], { cwd: a });
    const commit = committedAndReleased(world, a);

    const cli = world.repo.cli(['ask', 'src/x.ts', '--message', 'may I have x?', '--session', B], { cwd: b });
    assert.equal(cli.status, 0, cli.stderr);
    const told = `src/x.ts is held by branch feature-a (commit ${commit}): its change is committed there and not merged yet, so no session can hand it over.`;
    assert.equal(
      cli.stdout.split('\n')[0],
      `${told} To work on it, bring that branch in first (\`git merge feature-a\`, or rebase onto it) and edit on top of its change.`,
    );

    const server = await startMcpServer(b, { ...withoutIdentity(world.repo.env), ...world.storeEnv, AGENT_LEASE_SESSION: B });
    t.after(() => server.close());
    const viaMcp = await server.call('ask', { path: 'src/x.ts', message: 'may I have x?' });
    assert.equal(viaMcp.isError, false, viaMcp.text);
    assert.equal(viaMcp.text, cli.stdout.trim());

    assert.deepEqual(await world.withStore((store) => readEvents(store, { kinds: ['ask'] })), [], 'no ask was queued to the branch');
    assert.equal(contextOf(world, b, 'src/y.ts'), '', 'and nothing reaches the asker later');
  });

  answeredByReleasing('cli', engine);
});
answeredByReleasing('mcp', 'sqlite');

/** The holder answers through the CLI or the MCP tool: the MCP server's own store is met on both engines above, so its variant runs on SQLite alone. */
function answeredByReleasing(via: 'cli' | 'mcp', engine: Engine): void {
  test(`a holder that answers an ask (${via}) by releasing a committed change into a hold: the asker is told, once, to merge that branch`, async (t) => {
    const world = branchWorld(t, { engine });
    const a = world.worktree('feature-a');
    const b = world.worktree('feature-b');
    world.repo.cli(['claim', 'src/x.ts', '--session', 'alice'], { cwd: a });
    assert.equal(contextOf(world, b, 'src/y.ts'), '', 'B works in its worktree');

    if (via === 'cli') {
      const asked = world.repo.cli(['ask', 'src/x.ts', '--message', 'may I have x?', '--session', B], { cwd: b });
      assert.equal(asked.status, 0, asked.stderr);
      assert.match(asked.stdout, /^asked alice for src\/x\.ts \(request \d+\): it is told at its next step$/m);
    } else {
      const server = await startMcpServer(b, { ...withoutIdentity(world.repo.env), ...world.storeEnv, AGENT_LEASE_SESSION: B });
      t.after(() => server.close());
      const asked = await server.call('ask', { path: 'src/x.ts', message: 'may I have x?' });
      assert.equal(asked.isError, false, asked.text);
      assert.match(asked.text, /^asked alice \(request \d+\): it is told at its next step$/m);
    }
    const commit = committedAndReleased(world, a);

    const told = contextOf(world, b, 'src/y.ts');
    assert.match(
      told,
      new RegExp(
        `^- alice released src/x\\.ts, which you asked for, but its change is committed on branch feature-a \\(commit ${commit}\\) and not merged yet: that branch holds it until it is merged\\. `,
        'm',
      ),
    );
    assert.match(told, BRING_IN);
    assert.equal(contextOf(world, b, 'src/y.ts'), '', 'told once');
  });
}
