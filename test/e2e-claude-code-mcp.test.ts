// End to end on the real Claude Code with `agent-lease init --mcp`: two `claude -p` sessions in one
// project, driven by scripted models. The model calls the lease tools (mcp__agent-lease__*), the
// other session's edit is denied by the mcp_tool hook, an ask reaches the holding session's
// model, and a session that waits gets the file when its holder releases it.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { claudeCodeCli, claudeSessions, gate, installAgentLease, lastToolOutcome, within, type Step, type ToolOutcome } from './support/claude-code';
import { BIN, hookEnv, tempRepo } from './support/hooks';
import type { TempRepo } from './support/git-repo';

const CLI = claudeCodeCli();
const SKIP = CLI === null ? 'Claude Code (@anthropic-ai/claude-code, a dev dependency) is not installed: run npm install to run this suite' : false;

/** A project with src/x.ts committed, agent-lease installed, `init --mcp` run and its files committed. */
function initMcpProject(repo: TempRepo): void {
  repo.write('.gitignore', 'node_modules/\n');
  repo.write('src/x.ts', 'export const x = 1;\n');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'x']);
  installAgentLease(repo.root);
  execFileSync(process.execPath, [BIN, 'init', '--mcp'], { cwd: repo.root, env: hookEnv(repo.env), encoding: 'utf8' });
  repo.git(['add', '.claude/settings.json', '.mcp.json']);
  repo.git(['commit', '-q', '-m', 'agent-lease with its MCP server']);
}

/** Sessions in the project's root, in which the user has trusted the project (so that its permission rules, which allow the lease tools, apply). */
function sessions(t: TestContext) {
  const started = claudeSessions(t);
  const repo = tempRepo(t);
  initMcpProject(repo);
  return {
    repo,
    claude: (name: string, steps: Step[]) => started.start({ name, base: repo.base, cwd: repo.root, steps, env: hookEnv(repo.env), trusted: repo.root }),
    failures: started.failures,
  };
}

test('with init --mcp the model claims and looks up through the tools, is denied through the mcp_tool hook, asks, and waits for the file', {
  skip: SKIP,
  timeout: 240_000,
}, async (t) => {
  const { repo, claude, failures } = sessions(t);
  const file = join(repo.root, 'src', 'x.ts');
  const settings = JSON.parse(readFileSync(join(repo.root, '.claude', 'settings.json'), 'utf8')) as {
    hooks: Record<string, Array<{ hooks: Array<{ type: string }> }>>;
  };
  assert.deepEqual(
    settings.hooks.PreToolUse!.flatMap((group) => group.hooks.map((handler) => handler.type)),
    ['mcp_tool'],
    'PreToolUse has no command hook: a denial can only come from the MCP server',
  );

  const aClaimed = gate<{ claim: ToolOutcome; who: ToolOutcome }>();
  const bAsked = gate();
  const aTold = gate<ToolOutcome>();
  let claimed: ToolOutcome;
  const stepsA: Step[] = [
    () => ({ tool: 'mcp__agent-lease__claim', input: { patterns: ['src/x.ts'], task: 'rewrite x' } }),
    (request) => {
      claimed = lastToolOutcome(request);
      return { tool: 'mcp__agent-lease__who', input: { paths: ['src/x.ts'] } };
    },
    async (request) => {
      aClaimed.open({ claim: claimed, who: lastToolOutcome(request) });
      await bAsked.promise;
      return { tool: 'Bash', input: { command: 'echo working', description: 'Keep working' } };
    },
    (request) => {
      aTold.open(lastToolOutcome(request));
      return { tool: 'mcp__agent-lease__release', input: { patterns: ['src/x.ts'] } };
    },
    () => ({ text: 'A handed x over.' }),
  ];

  const bDenied = gate<ToolOutcome>();
  const bWaited = gate<ToolOutcome>();
  const bWrote = gate<ToolOutcome>();
  const stepsB: Step[] = [
    () => ({ tool: 'Write', input: { file_path: file, content: 'export const x = 3;\n' } }),
    (request) => {
      bDenied.open(lastToolOutcome(request));
      return { tool: 'mcp__agent-lease__ask', input: { path: 'src/x.ts', message: 'I need x for the login fix, may I have it?' } };
    },
    (request) => {
      assert.match(lastToolOutcome(request).result, /^asked .* \(request 1\): it is told at its next step$/);
      bAsked.open();
      return { tool: 'mcp__agent-lease__wait', input: { paths: ['src/x.ts'], claim: true, timeout: '90s' } };
    },
    (request) => {
      bWaited.open(lastToolOutcome(request));
      return { tool: 'Write', input: { file_path: file, content: 'export const x = 4;\n' } };
    },
    (request) => {
      bWrote.open(lastToolOutcome(request));
      return { text: 'B is done.' };
    },
  ];

  const a = await claude('a', stepsA);
  const { claim, who } = await within(
    Promise.race([aClaimed.promise, a.exited.then((exit) => Promise.reject(new Error(`A exited early: ${JSON.stringify(exit).slice(0, 2000)}`)))]),
    'A to claim and look up',
  );
  assert.equal(claim.isError, false, claim.result);
  assert.match(claim.result, /^granted src\/x\.ts \(exclusive, 1h00m left, token \d+\)$/);
  assert.match(who.result, /^src\/x\.ts:\n- \S+ \(task "rewrite x", worktree .*\) holds src\/x\.ts exclusively \(claim lease/);

  const b = await claude('b', stepsB);
  const denied = await within(
    Promise.race([bDenied.promise, b.exited.then((exit) => Promise.reject(new Error(`B exited early: ${JSON.stringify(exit).slice(0, 2000)}`)))]),
    "B's Write to be answered",
  );
  assert.equal(denied.isError, true, 'the Write was blocked');
  assert.match(denied.result, /agent-lease denied this edit: src\/x\.ts is leased to another session/);
  assert.match(denied.result, /Next steps: wait for it with `agent-lease wait --claim -- src\/x\.ts`/);
  assert.equal(readFileSync(file, 'utf8'), 'export const x = 1;\n');

  const told = await within(aTold.promise, "the ask to reach A's model");
  assert.match(told.notes, /agent-lease: messages from other sessions about leased files\. Each message is quoted/);
  assert.match(told.notes, /- request 1: \S+ asks you for src\/x\.ts, which you hold: "I need x for the login fix, may I have it\?"/);

  const waited = await within(bWaited.promise, 'B to get the file');
  assert.equal(waited.isError, false, waited.result);
  assert.match(waited.result, /^granted src\/x\.ts \(exclusive, /);
  const wrote = await within(bWrote.promise, "B's second Write");
  assert.equal(wrote.isError, false, wrote.result);
  assert.equal(readFileSync(file, 'utf8'), 'export const x = 4;\n');

  for (const [name, run] of [
    ['A', a],
    ['B', b],
  ] as const) {
    const exit = await within(run.exited, `${name} to exit`);
    assert.equal(exit.code, 0, exit.stderr);
  }
  assert.deepEqual(failures(), []);
});
