// End to end on the real Claude Code: two `claude -p` sessions, each in its own worktree of a
// repository set up by `agent-lease init`, driven by scripted models that call Read, Edit, Write
// and Bash with inputs chosen here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listLeases } from '../lib/core/lease-queries';
import { acquire } from '../lib/core/acquire';
import { identify } from '../lib/core/processes';
import { listSessions, registerSession } from '../lib/core/sessions';
import { gate, lastToolOutcome, PROMPT, ScriptedModel, type Step, type ToolOutcome } from './support/claude-code';
import { CLI, harness, initProject, installGlobally, SKIP, within } from './support/claude-project';
import { BIN, hookEnv, withRepoStore } from './support/hooks';

const ROOT = join(__dirname, '..');

test("two Claude Code sessions in two worktrees: the second is denied the first one's file, its commit is refused, and it gets the file once the first ends and its branch is merged", {
  skip: SKIP,
  timeout: 180_000,
}, async (t) => {
  const { repo, claude, scriptFailures } = harness(t);
  initProject(repo);
  const worktreeA = repo.addWorktree('wt-a', 'branch-a');
  const worktreeB = repo.addWorktree('wt-b', 'branch-b');
  const fileA = join(worktreeA, 'src', 'x.ts');
  const fileB = join(worktreeB, 'src', 'x.ts');

  const aCommitted = gate<ToolOutcome>();
  const aMayFinish = gate();
  const stepsA: Step[] = [
    () => ({ tool: 'Read', input: { file_path: fileA } }),
    () => ({ tool: 'Edit', input: { file_path: fileA, old_string: 'export const x = 1;', new_string: 'export const x = 2;' } }),
    (request) => {
      assert.equal(lastToolOutcome(request).isError, false, `A's edit: ${lastToolOutcome(request).result}`);
      return { tool: 'Bash', input: { command: 'git add src/x.ts && git commit -q -m "A: x = 2" && echo committed', description: 'Commit x' } };
    },
    async (request) => {
      aCommitted.open(lastToolOutcome(request));
      await aMayFinish.promise;
      return { text: 'A is done.' };
    },
  ];

  const bDenied = gate<ToolOutcome>();
  const bShellDenied = gate<ToolOutcome>();
  const bChangedByShell = gate<ToolOutcome>();
  const bRefused = gate<ToolOutcome>();
  const bMayRetry = gate();
  const bRetried = gate<ToolOutcome>();
  const stepsB: Step[] = [
    () => ({ tool: 'Read', input: { file_path: fileB } }),
    () => ({ tool: 'Write', input: { file_path: fileB, content: 'export const x = 3;\n' } }),
    (request) => {
      bDenied.open(lastToolOutcome(request));
      assert.equal(readFileSync(fileB, 'utf8'), 'export const x = 1;\n', 'the denied Write left the file unchanged');
      return { tool: 'Bash', input: { command: 'printf "export const x = 3;\\n" > src/x.ts', description: 'Change x anyway' } };
    },
    (request) => {
      bShellDenied.open(lastToolOutcome(request));
      assert.equal(readFileSync(fileB, 'utf8'), 'export const x = 1;\n', 'the denied command did not run');
      // A name only the running shell knows: PreToolUse cannot see this write, PostToolUse does.
      return { tool: 'Bash', input: { command: 'f=src/x.ts; printf "export const x = 3;\\n" > "$f"', description: 'Change x through a variable' } };
    },
    (request) => {
      bChangedByShell.open(lastToolOutcome(request));
      return { tool: 'Bash', input: { command: 'git add src/x.ts && git commit -q -m "B: x = 3"', description: 'Commit x' } };
    },
    async (request) => {
      bRefused.open(lastToolOutcome(request));
      await bMayRetry.promise;
      return { tool: 'Read', input: { file_path: fileB } };
    },
    () => ({ tool: 'Write', input: { file_path: fileB, content: 'export const x = 4;\n' } }),
    (request) => {
      bRetried.open(lastToolOutcome(request));
      return { text: 'B is done.' };
    },
  ];

  const a = await claude('a', worktreeA, stepsA);
  const committed = await within(
    Promise.race([aCommitted.promise, a.exited.then((exit) => Promise.reject(new Error(`A exited early: ${JSON.stringify(exit)}`)))]),
    'A to edit and commit',
  );
  assert.equal(committed.isError, false, `A's own commit passes the guard: it holds the file (${committed.result})`);
  assert.match(committed.result, /committed/);
  assert.match(repo.git(['log', '-1', '--format=%s', 'branch-a']), /^A: x = 2$/);

  const b = await claude('b', worktreeB, stepsB);
  const denied = await within(bDenied.promise, "B's Write to be answered");
  assert.equal(denied.isError, true, 'the Write was blocked');
  assert.match(denied.result, /agent-lease denied this edit: src\/x\.ts is leased to another session/);
  assert.match(
    denied.result,
    new RegExp(`worktree ${worktreeA} on branch-a\\) holds src/x\\.ts exclusively \\(edit lease`),
    "the denial names the holder's worktree and branch",
  );

  const shellDenied = await within(bShellDenied.promise, "B's shell write to be answered");
  assert.equal(shellDenied.isError, true, 'the command was blocked before it ran');
  assert.match(shellDenied.result, /agent-lease denied this command before it ran[\s\S]*src\/x\.ts, written by `printf .* > src\/x\.ts`/);

  const changedByShell = await within(bChangedByShell.promise, "B's shell change to be answered");
  assert.equal(changedByShell.isError, false);
  assert.match(
    changedByShell.notes,
    /this worktree now has uncommitted changes to a file that another session holds:\n- .*holds src\/x\.ts exclusively/,
    'PostToolUse told the model',
  );

  const refused = await within(bRefused.promise, "B's commit to be answered");
  const bSession = await withRepoStore(repo, async (store) => (await listSessions(store)).find((session) => session.worktree === worktreeB));
  assert.ok(bSession, 'B registered its session');
  assert.equal(refused.isError, true, `git commit failed: ${refused.result}`);
  assert.match(refused.result, /agent-lease guard: commit refused: 1 staged file is held by another session\.\n {2}src\/x\.ts\n/);
  assert.match(
    refused.result,
    new RegExp(`Committing as .*session ${bSession.id} \\(from AGENT_LEASE_SESSION`),
    "the guard knew who commits from the Bash tool's environment",
  );
  assert.doesNotMatch(refused.result, /AGENT_LEASE_BYPASS|--force|--no-verify/, 'an agent is not handed the workaround');
  assert.match(refused.result, /tell the user which files are held and by whom, and ask them how to proceed/);
  assert.doesNotMatch(
    refused.notes,
    /this worktree now has uncommitted changes to a file that another session holds/,
    'the failed commit does not repeat the warning about a file already reported',
  );
  assert.match(repo.git(['log', '-1', '--format=%s', 'branch-b']), /^agent-lease hooks$/, "B's commit did not happen");

  aMayFinish.open();
  const exitA = await within(a.exited, 'A to exit');
  assert.equal(exitA.code, 0, exitA.stderr);
  assert.match(exitA.stdout, /A is done\./);
  await withRepoStore(repo, async (store) =>
    assert.deepEqual(
      (await listLeases(store)).filter((lease) => lease.pattern === 'src/x.ts' && lease.holder.worktree === worktreeA),
      [],
    ),
  );

  // A committed its change and did not merge it: its branch holds the file until it is merged.
  assert.deepEqual(
    JSON.parse(execFileSync(process.execPath, [BIN, 'status', '--json'], { cwd: repo.root, env: hookEnv(repo.env), encoding: 'utf8' }))
      .leases.filter((lease: { source: string }) => lease.source === 'branch')
      .map((lease: { pattern: string; branch: string }) => [lease.pattern, lease.branch]),
    [['src/x.ts', 'branch-a']],
  );
  repo.git(['merge', '-q', 'branch-a']);

  bMayRetry.open();
  const retried = await within(bRetried.promise, "B's second Write to be answered");
  assert.equal(retried.isError, false, `B's Write goes through now that A has ended and its branch is merged: ${retried.result}`);
  const exitB = await within(b.exited, 'B to exit');
  assert.equal(exitB.code, 0, exitB.stderr);
  assert.equal(readFileSync(fileB, 'utf8'), 'export const x = 4;\n');
  assert.deepEqual(scriptFailures(), []);
});

test('a session with /clear between two turns keeps its lease under the new id, and another session is still denied the file', {
  skip: SKIP,
  timeout: 180_000,
}, async (t) => {
  const { repo, claude, scriptFailures } = harness(t);
  initProject(repo);
  const file = join(repo.root, 'src', 'x.ts');
  const afterClear = gate<{ holders: string[]; sessions: string[] }>();
  const otherDone = gate();
  const stepsA: Step[] = [
    () => ({ tool: 'Edit', input: { file_path: file, old_string: 'x = 1', new_string: 'x = 2' } }),
    () => ({ text: 'First turn done.' }),
    // The turn after /clear, before any tool call under the new session id.
    async () => {
      afterClear.open(
        await withRepoStore(repo, async (store) => ({
          holders: (await listLeases(store)).filter((lease) => lease.pattern === 'src/x.ts').map((lease) => lease.sessionId),
          sessions: (await listSessions(store)).map((session) => session.id),
        })),
      );
      await otherDone.promise;
      return { text: 'Second turn done.' };
    },
  ];
  const a = await claude('a', repo.root, stepsA, [], [PROMPT, '/clear', `${PROMPT} (after /clear)`]);
  const seen = await within(afterClear.promise, 'the turn after /clear');
  assert.equal(seen.holders.length, 1, `src/x.ts is still leased after /clear (sessions: ${seen.sessions.join(', ')})`);
  assert.equal(seen.sessions.length, 1, 'one open session: the new id, which took the lease over');
  assert.equal(seen.holders[0], seen.sessions[0]);

  const bDenied = gate<ToolOutcome>();
  const b = await claude('b', repo.root, [
    () => ({ tool: 'Write', input: { file_path: file, content: 'export const x = 3;\n' } }),
    (request) => {
      bDenied.open(lastToolOutcome(request));
      return { text: 'B is done.' };
    },
  ]);
  const denied = await within(bDenied.promise, "B's Write to be answered");
  assert.equal(denied.isError, true, denied.result);
  assert.match(denied.result, /agent-lease denied this edit: src\/x\.ts is leased to another session/);
  await within(b.exited, 'B to exit');
  otherDone.open();
  const exitA = await within(a.exited, 'A to exit');
  assert.equal(exitA.code, 0, exitA.stderr);
  assert.deepEqual(scriptFailures(), []);
});

test('two parallel subagents of one session write one file: the second is denied naming its sibling, and the main thread gets the file back', {
  skip: SKIP,
  timeout: 180_000,
}, async (t) => {
  const { repo, claude, scriptFailures } = harness(t);
  initProject(repo);
  const file = join(repo.root, 'src', 'y.ts');
  const aWrote = gate<ToolOutcome>();
  const bTried = gate<ToolOutcome>();
  const afterSubagents = gate<Array<[string, string | null]>>();
  const model = new ScriptedModel(
    [
      () => ({
        tools: ['SUB-A', 'SUB-B'].map((who) => ({
          tool: 'Agent',
          input: { description: `Write y (${who})`, prompt: `${who}: write src/y.ts`, subagent_type: 'general-purpose', run_in_background: false },
        })),
      }),
      async () => {
        afterSubagents.open(
          await withRepoStore(repo, async (store) => (await listLeases(store)).map((lease): [string, string | null] => [lease.pattern, lease.agentId])),
        );
        return { text: 'Main done.' };
      },
    ],
    {
      // A writes first and keeps running until B has tried, so that B meets a running sibling.
      'SUB-A': [
        () => ({ tool: 'Write', input: { file_path: file, content: "export const y = 'A';\n" } }),
        async (request) => {
          aWrote.open(lastToolOutcome(request));
          await bTried.promise;
          return { text: 'A done.' };
        },
      ],
      'SUB-B': [
        async () => {
          await aWrote.promise;
          return { tool: 'Read', input: { file_path: file } };
        },
        () => ({ tool: 'Write', input: { file_path: file, content: "export const y = 'B';\n" } }),
        (request) => {
          bTried.open(lastToolOutcome(request));
          return { text: 'B done.' };
        },
      ],
    },
  );
  const run = await claude('subagents', repo.root, model);
  const a = await within(aWrote.promise, "subagent A's Write");
  assert.equal(a.isError, false, a.result);
  const b = await within(bTried.promise, "subagent B's Write");
  assert.equal(b.isError, true, b.result);
  assert.match(b.result, /agent-lease denied this edit: src\/y\.ts is held by subagent a[0-9a-f]{16}, a sibling of yours in this session/);
  assert.match(b.result, /the main thread that started you both can coordinate/);
  assert.deepEqual(await within(afterSubagents.promise, 'the main thread after its subagents'), [['src/y.ts', null]], 'handed back at SubagentStop');
  const exit = await within(run.exited, 'claude to exit');
  assert.equal(exit.code, 0, exit.stderr);
  assert.deepEqual(scriptFailures(), []);
  assert.equal(readFileSync(file, 'utf8'), "export const y = 'A';\n");
});

test("a person's commit in the worktree where a Claude Code session works is the person's, not the agent's", { skip: SKIP, timeout: 120_000 }, async (t) => {
  const { repo, claude, scriptFailures } = harness(t);
  initProject(repo);
  const file = join(repo.root, 'src', 'x.ts');
  const edited = gate<ToolOutcome>();
  const mayFinish = gate();
  const a = await claude('a', repo.root, [
    () => ({ tool: 'Edit', input: { file_path: file, old_string: 'x = 1', new_string: 'x = 2' } }),
    async (request) => {
      edited.open(lastToolOutcome(request));
      await mayFinish.promise;
      return { text: 'A is done.' };
    },
  ]);
  assert.equal((await within(edited.promise, "A's edit")).isError, false);
  // The person, in a terminal of their own (no Claude Code in the environment or among the commit's processes).
  repo.git(['add', 'src/x.ts']);
  const person = spawnSync('git', ['commit', '-m', 'person'], { cwd: repo.root, env: { ...hookEnv(repo.env), USER: 'pat' }, encoding: 'utf8' });
  assert.equal(person.status, 1, `the agent's held file does not go into the person's commit: ${person.stderr}`);
  assert.match(person.stderr, /Committing as pat, a person \(no agent session runs this commit\)/);
  assert.match(person.stderr, /AGENT_LEASE_BYPASS=1 git commit/, 'a person is shown the bypass');
  mayFinish.open();
  const exit = await within(a.exited, 'A to exit');
  assert.equal(exit.code, 0, exit.stderr);
  assert.deepEqual(scriptFailures(), []);
});

test('plain `agent-lease` runs in the Bash tool of a session in a linked worktree with no node_modules (dev dependency in the main worktree)', {
  skip: SKIP,
  timeout: 120_000,
}, async (t) => {
  const { repo, claude, scriptFailures } = harness(t);
  initProject(repo);
  const worktree = repo.addWorktree('wt-a', 'branch-a');
  const answered = gate<ToolOutcome>();
  const run = await claude('a', worktree, [
    () => ({ tool: 'Bash', input: { command: 'agent-lease status; echo "exit $?"; command -v agent-lease', description: 'Lease status' } }),
    (request) => {
      answered.open(lastToolOutcome(request));
      return { text: 'done' };
    },
  ]);
  const outcome = await within(answered.promise, 'the Bash call');
  assert.equal(outcome.isError, false, outcome.result);
  assert.match(outcome.result, /^exit 0$/m, outcome.result);
  assert.match(outcome.result, new RegExp(`^${repo.root}/node_modules/\\.bin/agent-lease$`, 'm'), "the main worktree's binary, the one the hooks run");
  const exit = await within(run.exited, 'claude to exit');
  assert.equal(exit.code, 0, exit.stderr);
  assert.deepEqual(scriptFailures(), []);
});

test('the plugin (loaded with --plugin-dir) with a global install: it denies an edit to a held file, its Bash tool runs `agent-lease`, and the guard checks its commit', {
  skip: SKIP,
  timeout: 120_000,
}, async (t) => {
  const { repo, claude, scriptFailures } = harness(t);
  const env = installGlobally(repo);
  repo.write('src/x.ts', 'export const x = 1;\n');
  repo.write('src/y.ts', 'export const y = 1;\n');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'x']);
  await withRepoStore(repo, async (store) => {
    await registerSession(store, { id: 'carol', runtime: 'cli', process: identify(process.pid) });
    assert.equal((await acquire(store, 'carol', ['src/x.ts'], { task: 'reorganise src' })).ok, true);
  });
  const file = join(repo.root, 'src', 'x.ts');
  const denied = gate<ToolOutcome>();
  const statusRan = gate<ToolOutcome>();
  const committed = gate<ToolOutcome>();
  const steps: Step[] = [
    () => ({ tool: 'Read', input: { file_path: file } }),
    () => ({ tool: 'Write', input: { file_path: file, content: 'export const x = 5;\n' } }),
    (request) => {
      denied.open(lastToolOutcome(request));
      return { tool: 'Bash', input: { command: 'agent-lease status', description: 'Lease status' } };
    },
    (request) => {
      statusRan.open(lastToolOutcome(request));
      return {
        tool: 'Bash',
        // Through a variable: a literal `> src/x.ts` is denied before it runs; this write is found only afterwards.
        input: { command: 'f=src/x.ts; printf "export const x = 6;\\n" > "$f" && git add "$f" && git commit -q -m "x = 6"', description: 'Commit x' },
      };
    },
    (request) => {
      committed.open(lastToolOutcome(request));
      return { text: 'done' };
    },
  ];
  const run = await claude('plugin', repo.root, steps, ['--plugin-dir', ROOT], undefined, env);
  const outcome = await within(denied.promise, 'the Write to be answered');
  assert.equal(outcome.isError, true);
  assert.match(outcome.result, /carol \(task "reorganise src"\) holds src\/x\.ts exclusively/);
  const status = await within(statusRan.promise, 'agent-lease status in Bash');
  assert.equal(status.isError, false, status.result);
  assert.match(status.result, /carol/);
  const commit = await within(committed.promise, 'the commit');
  assert.equal(commit.isError, true, commit.result);
  assert.match(commit.result, /agent-lease guard: commit refused: 1 staged file is held by another session/);
  assert.doesNotMatch(commit.result, /no agent-lease binary/);
  const exit = await within(run.exited, 'claude to exit');
  assert.equal(exit.code, 0, exit.stderr);
  assert.deepEqual(scriptFailures(), []);
});

test('Claude Code accepts the plugin manifest and the marketplace', { skip: SKIP }, (t) => {
  const home = mkdtempSync(join(tmpdir(), 'agent-lease-claude-home-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const env = { ...hookEnv(process.env), HOME: home, DISABLE_TELEMETRY: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' };
  for (const target of [ROOT, join(ROOT, '.claude-plugin', 'plugin.json')]) {
    const out = execFileSync(CLI!, ['plugin', 'validate', target], { encoding: 'utf8', env, timeout: 30_000 });
    assert.match(out, /Validation passed/, target);
  }
});
