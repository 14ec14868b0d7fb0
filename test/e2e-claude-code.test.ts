// End to end on the real Claude Code: two `claude -p` sessions, each in its own worktree of a
// repository set up by `agent-lease init`, driven by scripted models that call Read, Edit, Write
// and Bash with inputs chosen here.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listLeases } from '../lib/core/lease-queries';
import { acquire } from '../lib/core/acquire';
import { identify } from '../lib/core/processes';
import { listSessions, registerSession } from '../lib/core/sessions';
import { claudeCodeCli, gate, lastToolOutcome, ScriptedModel, startClaude, type ClaudeRun, type Step, type ToolOutcome } from './support/claude-code';
import type { TempRepo } from './support/git-repo';
import { BIN, hookEnv, tempRepo, withRepoStore } from './support/hooks';

const ROOT = join(__dirname, '..');
const CLI = claudeCodeCli();
const SKIP = CLI === null ? 'Claude Code (@anthropic-ai/claude-code, a dev dependency) is not installed: run npm install to run this suite' : false;
const STEP_TIMEOUT_MS = 60_000;

/** Rejects instead of waiting forever: every wait in this suite is bounded. */
function within<T>(promise: Promise<T>, what: string, ms = STEP_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000}s waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * agent-lease installed into the repository the way `npm i -D agent-lease` does it (a package
 * directory, an executable bin link), in the main worktree only: linked worktrees have no
 * node_modules, so their hooks find it through the main worktree.
 */
function installAgentLease(repo: TempRepo): void {
  const modules = join(repo.root, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  symlinkSync(ROOT, join(modules, 'agent-lease'));
  symlinkSync(join('..', 'agent-lease', 'dist', 'bin', 'agent-lease.js'), join(modules, '.bin', 'agent-lease'));
  chmodSync(BIN, 0o755);
}

/** The test's repository, and Claude Code sessions each driven by its own scripted model; all of it ends with the test. */
function harness(t: TestContext) {
  const runs: ClaudeRun[] = [];
  const models: ScriptedModel[] = [];
  t.after(async () => {
    for (const run of runs) run.child.kill('SIGKILL');
    await Promise.all(models.map((model) => model.close()));
  });
  const repo = tempRepo(t);
  return {
    repo,
    async claude(name: string, cwd: string, steps: Step[], extraArgs: string[] = []): Promise<ClaudeRun> {
      const model = new ScriptedModel(steps);
      models.push(model);
      const home = join(repo.base, `home-${name}`);
      mkdirSync(home, { recursive: true });
      const run = startClaude({ cli: CLI!, cwd, baseUrl: await model.start(), home, env: hookEnv(repo.env), extraArgs });
      runs.push(run);
      return run;
    },
    /** What went wrong inside the scripted steps (their assertions), if anything. */
    scriptFailures: () => models.map((model) => model.failure).filter((failure) => failure !== null),
  };
}

test("two Claude Code sessions in two worktrees: the second is denied the first one's file, its commit is refused, and it gets the file once the first ends", {
  skip: SKIP,
  timeout: 180_000,
}, async (t) => {
  const { repo, claude, scriptFailures } = harness(t);
  repo.write('.gitignore', 'node_modules/\n');
  repo.write('src/x.ts', 'export const x = 1;\n');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'x']);
  installAgentLease(repo);
  const init = execFileSync(process.execPath, [BIN, 'init'], { cwd: repo.root, env: hookEnv(repo.env), encoding: 'utf8' });
  assert.match(init, /installed the commit guard/);
  repo.git(['add', '.claude/settings.json']);
  repo.git(['commit', '-q', '-m', 'agent-lease hooks']);
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
  const bSession = withRepoStore(repo, (store) => listSessions(store).find((session) => session.worktree === worktreeB));
  assert.ok(bSession, 'B registered its session');
  assert.equal(refused.isError, true, `git commit failed: ${refused.result}`);
  assert.match(refused.result, /agent-lease guard: commit refused: 1 staged file is held by another session\.\n {2}src\/x\.ts\n/);
  assert.match(
    refused.result,
    new RegExp(`Committing as .*session ${bSession.id} \\(AGENT_LEASE_SESSION\\)`),
    "the guard knew who commits from the Bash tool's environment",
  );
  assert.match(refused.notes, /this worktree now has uncommitted changes to a file that another session holds/, 'PostToolUseFailure told the model too');
  assert.match(repo.git(['log', '-1', '--format=%s', 'branch-b']), /^agent-lease hooks$/, "B's commit did not happen");

  aMayFinish.open();
  const exitA = await within(a.exited, 'A to exit');
  assert.equal(exitA.code, 0, exitA.stderr);
  assert.match(exitA.stdout, /A is done\./);
  withRepoStore(repo, (store) =>
    assert.deepEqual(
      listLeases(store).filter((lease) => lease.pattern === 'src/x.ts' && lease.holder.worktree === worktreeA),
      [],
    ),
  );

  bMayRetry.open();
  const retried = await within(bRetried.promise, "B's second Write to be answered");
  assert.equal(retried.isError, false, `B's Write goes through now: ${retried.result}`);
  const exitB = await within(b.exited, 'B to exit');
  assert.equal(exitB.code, 0, exitB.stderr);
  assert.equal(readFileSync(fileB, 'utf8'), 'export const x = 4;\n');
  assert.deepEqual(scriptFailures(), []);
});

test('the plugin (loaded with --plugin-dir) denies an edit to a file another live session holds', { skip: SKIP, timeout: 120_000 }, async (t) => {
  const { repo, claude, scriptFailures } = harness(t);
  chmodSync(BIN, 0o755);
  repo.write('src/x.ts', 'export const x = 1;\n');
  withRepoStore(repo, (store) => {
    registerSession(store, { id: 'carol', runtime: 'cli', process: identify(process.pid) });
    assert.equal(acquire(store, 'carol', ['src/**'], { task: 'reorganise src' }).ok, true);
  });
  const file = join(repo.root, 'src', 'x.ts');
  const answered = gate<ToolOutcome>();
  const steps: Step[] = [
    () => ({ tool: 'Read', input: { file_path: file } }),
    () => ({ tool: 'Write', input: { file_path: file, content: 'export const x = 5;\n' } }),
    (request) => {
      answered.open(lastToolOutcome(request));
      return { text: 'done' };
    },
  ];
  const run = await claude('plugin', repo.root, steps, ['--plugin-dir', ROOT]);
  const outcome = await within(answered.promise, 'the Write to be answered');
  assert.equal(outcome.isError, true);
  assert.match(outcome.result, /src\/x\.ts: carol \(task "reorganise src"\) holds src\/\*\* exclusively/);
  const exit = await within(run.exited, 'claude to exit');
  assert.equal(exit.code, 0, exit.stderr);
  assert.equal(readFileSync(file, 'utf8'), 'export const x = 1;\n');
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
