// A shell command's writes are decided like an Edit of the same files: inside an area the session
// shares with others (claim --shared) they are leased shared and go ahead, and the model is told
// what the other sharing sessions changed in each file (once per file, in the one answer); an
// exclusive lease of another session, or an expired one whose holder lives and still has the
// change pending, denies the command as it denies the edit. The compiled hook with Claude Code
// 2.1.332's real Bash and Edit inputs, two sessions in their own worktrees, real git.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { branchWorld, denial, lines, replaceLine, type BranchWorld } from './support/branch-world';
import { spyOnGit } from './support/git-spy';
import { capturedInput, runHook, type HookRun } from './support/hooks';

const A = 'a0000000-0000-4000-8000-00000000000a';
const B = 'b0000000-0000-4000-8000-00000000000b';
const C = 'c0000000-0000-4000-8000-00000000000c';

/** A and B share src/** from their own worktrees; C has a worktree and shares nothing. */
function sharing(t: TestContext) {
  const world = branchWorld(t);
  const [a, b, c] = ['feature-a', 'feature-b', 'feature-c'].map((branch) => world.worktree(branch)) as [string, string, string];
  world.share(A, a, 'src/**');
  world.share(B, b, 'src/**');
  return { world, a, b, c };
}

/** C claims lib/held.ts (exclusively) from its worktree. */
function holdExclusively(world: BranchWorld, c: string): void {
  const claim = world.repo.cli(['claim', 'lib/held.ts'], { cwd: c, env: { AGENT_LEASE_SESSION: C } });
  assert.equal(claim.status, 0, claim.stderr);
}

/** PreToolUse Bash as Claude Code sends it, `command` run in `worktree`. */
function bash(world: BranchWorld, session: string, worktree: string, command: string, env = world.env): HookRun {
  const input = capturedInput('pre-tool-use.bash', worktree, { session_id: session, tool_input: { command, description: 'change files' } });
  return runHook('pre-tool-use', input, { env });
}

/** PreToolUse Edit as Claude Code sends it. */
function edit(world: BranchWorld, session: string, worktree: string, path: string): HookRun {
  const input = capturedInput('pre-tool-use.edit', worktree, {
    session_id: session,
    tool_input: { file_path: join(worktree, path), old_string: 'line', new_string: 'LINE', replace_all: false },
  });
  return runHook('pre-tool-use', input, { env: world.env });
}

/** The model context of an answer that went ahead. */
function toldAhead(run: HookRun, what: string): string {
  assert.equal(denial(run), null, `${what} goes ahead: ${run.stdout}`);
  assert.equal(run.status, 0, run.stderr);
  return run.json?.hookSpecificOutput?.additionalContext ?? '';
}

/** Runs `command` in `worktree` as the Bash tool would once the hook let it through. */
function runCommand(worktree: string, command: string): void {
  const ran = spawnSync('bash', ['-c', command], { cwd: worktree, encoding: 'utf8' });
  assert.equal(ran.status, 0, ran.stderr);
}

interface StatusLease {
  pattern: string;
  sessionId: string;
  mode: string;
}

function leasesOf(world: BranchWorld, session: string): StatusLease[] {
  return world.repo.json(['status', '--json']).leases.filter((lease: StatusLease) => lease.sessionId === session);
}

function leasesOn(world: BranchWorld, path: string): StatusLease[] {
  return world.repo.json(['status', '--json']).leases.filter((lease: StatusLease) => lease.pattern === path);
}

test('a shell write in an area two sessions share goes ahead shared and is told what the other changed there, as an edit is', (t) => {
  const { world, a, b } = sharing(t);
  assert.equal(toldAhead(edit(world, A, a, 'src/x.ts'), "A's edit"), '', 'nothing changed there by B yet');
  world.repo.write('src/x.ts', replaceLine(lines('x', 20), 3, 'A shared change'), a);

  const sed = "sed -i 's/^x line 9$/B line 9/' src/x.ts";
  const told = toldAhead(bash(world, B, b, sed), "B's sed -i");
  assert.match(told, /^agent-lease: a0000000\S* shares src\/\*\* with this session and has changed src\/x\.ts in \S+feature-a/);
  assert.match(told, /^ {4}\+A shared change$/m, "A's change, indented as data");
  assert.equal(told, toldAhead(edit(world, B, b, 'src/x.ts'), "B's Edit of the same file"), 'the very context an Edit gets');
  assert.deepEqual(
    leasesOf(world, B).map((lease) => [lease.pattern, lease.mode]),
    [['src/**', 'shared']],
    "B's command took no exclusive lease: the file is B's through its shared claim, renewed",
  );
  runCommand(b, sed);

  // Now A writes the file by shell, and is told of B's change; B's shell lease did not shut A out.
  const toA = toldAhead(bash(world, A, a, 'echo more >> src/x.ts'), "A's append");
  assert.match(toA, /^agent-lease: b0000000\S* shares src\/\*\* with this session and has changed src\/x\.ts in \S+feature-b/);
  assert.match(toA, /^ {4}\+B line 9$/m);
  assert.equal(toldAhead(bash(world, A, a, 'touch src/y.ts'), 'a file B did not change'), '', 'nothing to tell');
});

test("a command writing several shared files is told of the other's changes once per file that has them, in one answer", (t) => {
  const { world, a, b } = sharing(t);
  for (const path of ['src/x.ts', 'src/y.ts']) toldAhead(edit(world, A, a, path), `A's edit of ${path}`);
  world.repo.write('src/x.ts', replaceLine(lines('x', 20), 5, 'A changed x'), a);
  world.repo.write('src/y.ts', 'A changed y\n', a);

  const told = toldAhead(bash(world, B, b, "sed -i 's/^x line 2$/B/' src/x.ts && printf 'b\\n' > src/y.ts && touch src/new.ts"), "B's command");
  const parts = told.split('\n\n').filter((part) => part.startsWith('agent-lease: '));
  assert.deepEqual(
    parts.map((part) => /has changed (\S+) in /.exec(part)?.[1]),
    ['src/x.ts', 'src/y.ts'],
    `one part per file A changed, none for src/new.ts:\n${told}`,
  );
  assert.match(parts[0]!, /^ {4}\+A changed x$/m);
  assert.match(parts[1]!, /^ {4}\+A changed y$/m);
  for (const path of ['src/x.ts', 'src/y.ts']) assert.equal(told.includes(toldAhead(edit(world, B, b, path), `B's Edit of ${path}`)), true);
});

test('a shell write is still denied by a session that does not share the area, and by an exclusive lease elsewhere in the command', (t) => {
  const { world, b, c } = sharing(t);
  assert.match(denial(bash(world, C, c, 'echo c > src/x.ts')) ?? '', /holds src\/\*\* shared/, 'C does not share the area');
  assert.match(denial(edit(world, C, c, 'src/x.ts')) ?? '', /holds src\/\*\* shared/, 'nor may it edit there');

  world.repo.write('lib/free.ts', 'free\n', b);
  holdExclusively(world, c);
  for (const command of ['echo b > src/z.ts && echo b > lib/held.ts', 'echo b > src/z.ts && rm -rf lib']) {
    const reason = denial(bash(world, B, b, command)) ?? '';
    assert.match(reason, /holds lib\/held\.ts exclusively/, command);
    assert.doesNotMatch(reason, /src\/z\.ts|src\/\*\*/, `the shared file is not named as held: ${command}`);
  }
  assert.deepEqual(leasesOn(world, 'src/z.ts'), [], 'a denied command leases none of its files');
  assert.match(denial(edit(world, B, b, 'lib/held.ts')) ?? '', /lib\/held\.ts is leased to another session/, 'as an edit is denied');
});

test('an expired lease whose live holder still has the change pending denies a shell write as it denies an edit', async (t) => {
  const world = branchWorld(t, { config: { ttl: { edit: '1s' } } });
  const a = world.worktree('feature-a');
  const b = world.worktree('feature-b');
  toldAhead(edit(world, A, a, 'src/y.ts'), "A's edit");
  world.repo.write('src/y.ts', 'A is working on it\n', a);
  await sleep(1200);

  assert.match(denial(bash(world, B, b, 'echo b > src/y.ts')) ?? '', /src\/y\.ts, written by `echo b > src\/y\.ts`:/);
  assert.match(denial(edit(world, B, b, 'src/y.ts')) ?? '', /src\/y\.ts is leased to another session/);
  assert.deepEqual(
    leasesOn(world, 'src/y.ts').map((lease) => lease.sessionId),
    [A],
    "A's lease stands",
  );
});

test('files past the per-command lease limit are decided as edits of them too: shared ones go ahead, an exclusive one denies', (t) => {
  const { world, b, c } = sharing(t);
  const many = Array.from({ length: 210 }, (_, i) => `src/gen/f${i}.ts`);
  assert.equal(toldAhead(bash(world, B, b, `mkdir -p src/gen && touch ${many.join(' ')}`), '210 shared files'), '');

  holdExclusively(world, c);
  const reason = denial(bash(world, B, b, `touch ${many.join(' ')} lib/held.ts`)) ?? '';
  assert.match(reason, /^lib\/held\.ts, written by `touch /m, 'the 211th file, only checked, is held exclusively');
  assert.doesNotMatch(reason, /^src\/gen\S*, written by|holds src\/\*\* shared/m, 'no shared file is named as held');
});

test('an uncontended shell write runs no git, granted or renewed, also while another session holds files elsewhere', (t) => {
  const { world, b } = sharing(t);
  const spy = spyOnGit(world.repo.base, world.env);
  for (const round of ['granted', 'renewed']) {
    const run = bash(world, B, b, "echo b > lib/b.ts && sed -i 's/y/z/' README.md", spy.env);
    assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', ''], round);
  }
  assert.deepEqual(spy.calls(), [], 'git calls on the hot path');
});
