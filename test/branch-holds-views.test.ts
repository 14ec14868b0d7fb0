// Branch holds as agents and people see them: warn and off modes, the "what changed there" context
// an edit that goes ahead is given, status/who/check/log, the .agent-locks/ view, the SessionStart
// briefing, and gc passing a dead holder's committed change to its branch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { capturedInput, fixture, runHook } from './support/hooks';
import { forEachEngine } from './support/engines';
import { branchWorld, denial, lines, replaceLine, type BranchWorld } from './support/branch-world';
import { spyOnGit } from './support/git-spy';

const A = 'a0000000-0000-4000-8000-00000000000a';
const B = 'b0000000-0000-4000-8000-00000000000b';
const X = lines('x', 20);

function held(world: BranchWorld): { a: string; b: string } {
  const a = world.worktree('feature-a');
  const b = world.worktree('feature-b');
  world.write(A, a, 'src/x.ts', replaceLine(X, 2, 'feature-a change'));
  world.commit(a, 'feature-a: x');
  world.stop(A, a);
  return { a, b };
}

forEachEngine((engine) => {
  test('warn mode: the edit goes ahead and the model is told what changed there (diff stat and excerpt)', (t) => {
    const world = branchWorld(t, { config: { branchHolds: { mode: 'warn' } }, engine });
    const { b } = held(world);
    const run = world.edit(B, b, 'src/x.ts');
    assert.equal(denial(run), null);
    const context = run.json?.hookSpecificOutput?.additionalContext ?? '';
    assert.match(context, /Branch feature-a has an unmerged change to src\/x\.ts \(not merged into main\)/);
    assert.match(context, / src\/x\.ts \| 2 \+-/, 'git diff --stat');
    assert.match(context, /\n {4}\+feature-a change\n/, 'the excerpt, indented as data');
    assert.equal(world.edit(B, b, 'src/x.ts').stdout, '', 'told once, not on every edit');
  });

  test('warn mode: a shell command writing the file is told what changed there, as an edit is', (t) => {
    const world = branchWorld(t, { config: { branchHolds: { mode: 'warn' } }, engine });
    const { b } = held(world);
    const bash = (command: string) =>
      runHook('pre-tool-use', capturedInput('pre-tool-use.bash', b, { session_id: B, tool_input: { command, description: 'change x' } }), { env: world.env });
    const run = bash("sed -i 's/x 3/x three/' src/x.ts");
    assert.equal(denial(run), null, run.stdout);
    const context = run.json?.hookSpecificOutput?.additionalContext ?? '';
    assert.match(context, /Branch feature-a has an unmerged change to src\/x\.ts \(not merged into main\)/);
    assert.match(context, /\n {4}\+feature-a change\n/, 'the excerpt, indented as data');
    assert.doesNotMatch(bash("sed -i 's/x 4/x four/' src/x.ts").stdout, /feature-a/, 'told once, not on every command');
  });
});

test('off mode: no holds are made and nothing is checked', (t) => {
  const world = branchWorld(t, { config: { branchHolds: { mode: 'off' } } });
  const { b } = held(world);
  assert.deepEqual(world.holds(), []);
  assert.equal(world.edit(B, b, 'src/x.ts').stdout, '');
});

forEachEngine((engine) => {
  test('status, who, check and log show the hold; the .agent-locks/ view has a file for it', (t) => {
    const world = branchWorld(t, { engine });
    const { a, b } = held(world);
    const [hold] = world.holds();
    assert.deepEqual(
      { source: hold?.source, branch: hold?.branch, session: hold?.session, commit: hold?.commit },
      { source: 'branch', branch: 'feature-a', session: A, commit: world.git(['rev-parse', 'HEAD'], a) },
    );
    const who = world.repo.json(['who', 'src/x.ts', '--json']);
    assert.equal(who[0].holders[0].holder, 'branch feature-a');
    assert.match(world.repo.cli(['status']).stdout, /branch feature-a/);
    const check = world.repo.cli(['check', 'src/x.ts', '--session', 'someone'], { cwd: b });
    assert.equal(check.status, 1, check.stdout);
    assert.match(check.stdout, /branch feature-a/);
    const log = world.repo.json(['log', '--json']) as Array<{ kind: string; pattern: string | null; detail: { branch?: string } }>;
    assert.ok(log.some((event) => event.kind === 'hold' && event.pattern === 'src/x.ts' && event.detail.branch === 'feature-a'));

    world.stop(B, b);
    const views = readdirSync(join(b, '.agent-locks')).map((name) => JSON.parse(readFileSync(join(b, '.agent-locks', name), 'utf8')));
    assert.ok(views.some((view) => view.source === 'branch' && view.branch === 'feature-a' && view.files[0] === 'src/x.ts'));
  });

  test('the SessionStart briefing names the files other branches hold', (t) => {
    const world = branchWorld(t, { engine });
    const { a, b } = held(world);
    const briefing = (worktree: string, id: string) =>
      runHook('session-start', fixture('session-start.startup', worktree, id), { env: world.env }).json?.hookSpecificOutput?.additionalContext ?? '';
    assert.match(briefing(b, B), /Files other branches changed and have not merged yet[^\n]*\n- branch feature-a \(committed in [0-9a-f]{7}/);
    assert.doesNotMatch(briefing(a, 'a2'), /other branches changed/, "not its own branch's");
  });
});

test('gc passes a dead holder’s committed change to its branch', async (t) => {
  const world = branchWorld(t);
  const a = world.worktree('feature-a');
  const agent = world.agent(A);
  await agent.write(a, 'src/x.ts', replaceLine(X, 2, 'killed'));
  world.commit(a, 'before the kill');
  await agent.kill();
  const gc = world.repo.json(['gc', '--json']);
  assert.equal(gc.heldByBranch, 1);
  assert.deepEqual(
    world.holds().map((hold) => hold.branch),
    ['feature-a'],
  );
});

forEachEngine((engine) => {
  test('a shell write to a file another branch holds is denied before it runs, naming the branch', (t) => {
    const world = branchWorld(t, { engine });
    const { b } = held(world);
    const run = runHook('pre-tool-use', fixture('pre-tool-use.bash', b, B, { tool_input: { command: 'echo hi > src/x.ts' } }), { env: world.env });
    assert.match(denial(run) ?? '', /branch feature-a .*holds src\/x\.ts until it is merged/);
  });
});

test('status and gc judge many holds of one branch with a few git processes, not one per hold', (t) => {
  const world = branchWorld(t);
  const a = world.worktree('feature-a');
  const files = Array.from({ length: 12 }, (_, i) => `src/f${i}.ts`);
  for (const file of files) world.write(A, a, file, `${file}\n`);
  world.commit(a, 'feature-a: twelve files');
  world.stop(A, a);
  assert.equal(world.holds().length, files.length);
  const spy = spyOnGit(world.repo.base, world.repo.env);
  for (const command of [
    ['status', '--json'],
    ['gc', '--json'],
  ]) {
    const before = spy.calls().length;
    const result = world.repo.cli(command, { env: spy.env });
    assert.equal(result.status, 0, result.stderr);
    assert.ok(spy.calls().length - before <= 4, `${command[0]}: ${spy.calls().slice(before).join('; ')}`);
  }
  assert.equal(world.holds().length, files.length, 'unmerged: the holds stand');
});
