// Subagents as holders within their session, through the compiled hooks, with the inputs Claude
// Code 2.1.332 sent in a run of two parallel subagents (fixtures `*.race-*`, captured with
// capture/script-subagent-race.mjs): race-first and race-second are the two subagents, in the
// order their Writes of src/race.ts came; race-main is the main thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { listLeases } from '../lib/core/lease-queries';
import type { Lease } from '../lib/core/lease-types';
import { runCli } from './support/cli';
import type { TempRepo } from './support/git-repo';
import { capturedInput, fixture, hookEnv, runHook, tempRepo, withRepoStore, type HookInput, type HookRun } from './support/hooks';

const SESSION = 'c0c6c276-d3de-4fe9-bbcc-5c57e3a961e3';
const FIRST = 'a844c11a2aa62d835';
const SECOND = 'a3be5738b4da4933e';
const OTHER = '5e1f0c8e-2222-4b3c-8d4e-1f2a3b4c5d6e';

function setUp(t: import('node:test').TestContext): { repo: TempRepo; run: (event: string, input: HookInput) => HookRun } {
  const repo = tempRepo(t);
  repo.write('src/parent.ts', "export const who = 'main';\n");
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'parent']);
  const env = hookEnv(repo.env);
  return { repo, run: (event, input) => runHook(event, input, { env }) };
}

function reasonOf(run: HookRun): string {
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.json?.hookSpecificOutput?.permissionDecision, 'deny', `denied: ${run.stdout}`);
  return run.json!.hookSpecificOutput!.permissionDecisionReason!;
}

function granted(run: HookRun): void {
  assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', '']);
}

async function leasesOf(repo: TempRepo, sessionId = SESSION): Promise<Lease[]> {
  return await withRepoStore(repo, async (store) => await listLeases(store, { sessionId }));
}

function onFile(input: HookInput, file: string): HookInput {
  return { ...input, tool_input: { ...(input.tool_input as HookInput), file_path: file } };
}

test('two subagents race for a file: the first wins, its sibling is denied naming it, another session sees the session and the subagent', async (t) => {
  const { repo, run } = setUp(t);
  const start = run('subagent-start', capturedInput('subagent-start.race-first', repo.root));
  assert.equal(start.json?.hookSpecificOutput?.hookEventName, 'SubagentStart');
  assert.match(start.json?.hookSpecificOutput?.additionalContext ?? '', new RegExp(`subagent ${FIRST} of this session`));
  run('subagent-start', capturedInput('subagent-start.race-second', repo.root));

  granted(run('pre-tool-use', capturedInput('pre-tool-use.write.race-first', repo.root)));
  const sibling = reasonOf(run('pre-tool-use', capturedInput('pre-tool-use.write.race-second', repo.root)));
  assert.match(sibling, new RegExp(`src/race\\.ts is held by subagent ${FIRST}, a sibling of yours in this session`));
  assert.match(sibling, /the main thread that started you both can coordinate/);
  assert.deepEqual(
    (await leasesOf(repo)).map((lease) => [lease.pattern, lease.agentId]),
    [['src/race.ts', FIRST]],
  );

  const status = runCli(['status', '--json'], { cwd: repo.root, env: hookEnv(repo.env) });
  assert.deepEqual(
    (JSON.parse(status.stdout) as { leases: Array<{ pattern: string; sessionId: string; agentId: string | null }> }).leases.map((lease) => [
      lease.pattern,
      lease.sessionId,
      lease.agentId,
    ]),
    [['src/race.ts', SESSION, FIRST]],
  );

  const other = reasonOf(
    run('pre-tool-use', fixture('pre-tool-use.write', repo.root, OTHER, { tool_input: { file_path: join(repo.root, 'src/race.ts'), content: 'x' } })),
  );
  assert.match(other, /is leased to another session/);
  assert.match(other, new RegExp(`c0c6c276 \\(its subagent ${FIRST}`));

  // The winner's own shell write of the file is its own; the main thread is denied it while the subagent runs.
  granted(run('pre-tool-use', capturedInput('pre-tool-use.bash.race-first', repo.root)));
  const main = reasonOf(run('pre-tool-use', onFile(capturedInput('pre-tool-use.write.race-main', repo.root), join(repo.root, 'src/race.ts'))));
  assert.match(main, new RegExp(`held by subagent ${FIRST}, which this session started and which is still running`));
  assert.match(main, /its leases come back to you when it stops/);

  granted(run('subagent-stop', capturedInput('subagent-stop.race-first', repo.root)));
  assert.deepEqual(
    (await leasesOf(repo)).map((lease) => [lease.pattern, lease.agentId]),
    [['src/race.ts', null]],
    'handed back to the main thread, not released',
  );
  granted(run('pre-tool-use', capturedInput('pre-tool-use.write.race-second', repo.root)));
  assert.deepEqual(
    (await leasesOf(repo)).map((lease) => [lease.pattern, lease.agentId]),
    [['src/race.ts', SECOND]],
    'the main thread’s lease is the next subagent’s to take',
  );
  reasonOf(run('pre-tool-use', fixture('pre-tool-use.write', repo.root, OTHER, { tool_input: { file_path: join(repo.root, 'src/race.ts'), content: 'x' } })));
});

test('a subagent edits its parent’s file and keeps it until its SubagentStop; its sibling and the main thread are denied meanwhile', async (t) => {
  const { repo, run } = setUp(t);
  granted(run('pre-tool-use', capturedInput('pre-tool-use.write.race-main', repo.root)));
  const [parent] = await leasesOf(repo);
  assert.deepEqual([parent?.pattern, parent?.agentId], ['src/parent.ts', null]);
  run('subagent-start', capturedInput('subagent-start.race-first', repo.root));
  run('subagent-start', capturedInput('subagent-start.race-second', repo.root));

  granted(run('pre-tool-use', capturedInput('pre-tool-use.edit.race-second', repo.root)));
  assert.deepEqual(
    (await leasesOf(repo)).map((lease) => [lease.token, lease.agentId]),
    [[parent!.token, SECOND]],
    'the same lease, taken by the subagent',
  );
  const sibling = reasonOf(run('pre-tool-use', onFile(capturedInput('pre-tool-use.write.race-first', repo.root), join(repo.root, 'src/parent.ts'))));
  assert.match(sibling, new RegExp(`held by subagent ${SECOND}, a sibling`));
  reasonOf(run('pre-tool-use', capturedInput('pre-tool-use.write.race-main-2', repo.root)));
  const briefing = run('subagent-start', capturedInput('subagent-start.race-first', repo.root)).json?.hookSpecificOutput?.additionalContext ?? '';
  assert.match(briefing, /Files your sibling subagents hold now[^\n]*\n- c0c6c276 \(its subagent a3be5738b4da4933e, [^\n]*\) holds src\/parent\.ts/);

  granted(run('subagent-stop', capturedInput('subagent-stop.race-second', repo.root)));
  granted(run('pre-tool-use', capturedInput('pre-tool-use.write.race-main-2', repo.root)));
  repo.write('src/parent.ts', "export const who = 'main again';\n");
  granted(run('stop', capturedInput('stop.race-main', repo.root)));
  assert.deepEqual(
    (await leasesOf(repo)).map((lease) => [lease.token, lease.agentId]),
    [[parent!.token, null]],
    'back with the main thread, kept while the change is pending',
  );
});

test('the main thread’s Stop while a background subagent runs leaves the subagent’s leases alone', async (t) => {
  const { repo, run } = setUp(t);
  granted(run('pre-tool-use', capturedInput('pre-tool-use.write.race-first', repo.root)));
  granted(run('stop', capturedInput('stop.race-main', repo.root)));
  assert.deepEqual(
    (await leasesOf(repo)).map((lease) => [lease.pattern, lease.agentId]),
    [['src/race.ts', FIRST]],
    'src/race.ts has no change yet, but its subagent still works',
  );
  granted(run('subagent-stop', capturedInput('subagent-stop.race-first', repo.root)));
  granted(run('stop', capturedInput('stop.race-main', repo.root)));
  assert.deepEqual(await leasesOf(repo), [], 'handed back, then released at the main thread’s Stop: nothing pending');
});

test('what only PostToolUse sees after a subagent’s command goes to the main thread: nothing tells which subagent changed it', async (t) => {
  const { repo, run } = setUp(t);
  repo.write('src/generated.ts', 'generated\n');
  granted(run('post-tool-use', { ...capturedInput('post-tool-use.bash.race-first', repo.root), duration_ms: 1000 }));
  assert.deepEqual(
    (await leasesOf(repo)).map((lease) => [lease.pattern, lease.agentId]),
    [['src/generated.ts', null]],
  );
  // Any subagent may then take it, as any file the main thread holds.
  granted(run('pre-tool-use', onFile(capturedInput('pre-tool-use.write.race-second', repo.root), join(repo.root, 'src/generated.ts'))));
});
