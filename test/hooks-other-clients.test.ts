// The Codex CLI, Gemini CLI and OpenCode adapters, run as their clients run them: the sample
// inputs of test/fixtures/codex/ and test/fixtures/gemini-cli/ on stdin of `agent-lease hook
// <client> <event>`, in a repository where a Claude Code session holds a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPatchFiles } from '../lib/shell/patch-files';
import { listLeases } from '../lib/core/lease-queries';
import { get } from '../lib/core/store';
import { BIN, fixture, hookEnv, startHookAgent, tempRepo, withRepoStore, type HookInput } from './support/hooks';

function clientHook(client: string, event: string, input: HookInput | string, env: NodeJS.ProcessEnv, preload: string[] = []) {
  const result = spawnSync(process.execPath, [...preload, BIN, 'hook', client, event], {
    input: typeof input === 'string' ? input : JSON.stringify(input),
    env,
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, json: result.stdout.trim() === '' ? null : JSON.parse(result.stdout) };
}

async function heldByClaude(t: import('node:test').TestContext, root: string, env: NodeJS.ProcessEnv, file: string): Promise<void> {
  const agent = startHookAgent(env);
  t.after(() => agent.kill());
  const run = await agent.run(
    'pre-tool-use',
    fixture('pre-tool-use.write', root, 'claude-holder', { tool_input: { file_path: join(root, file), content: 'x' } }),
  );
  assert.equal(run.status, 0, run.stderr);
}

const held = async (repo: { root: string; base: string }, sessionId: string) =>
  await withRepoStore(repo as never, async (store) =>
    (await listLeases(store, {}))
      .filter((lease) => lease.sessionId === sessionId)
      .map((lease) => lease.pattern)
      .sort(),
  );

test("apply_patch: every Add, Update, Delete and Move line counts, a hunk's content never does", () => {
  const patch = [
    '*** Begin Patch',
    '*** Add File: src/new.ts',
    '+*** Delete File: src/not-a-header.ts',
    '*** Update File: src/old.ts',
    '*** Move to: src/renamed.ts',
    '@@',
    '-a',
    '+b',
    '*** Delete File: src/$(touch pwned) [id].ts',
    '*** End Patch',
    '',
  ].join('\r\n');
  assert.deepEqual(applyPatchFiles(patch), [
    { path: 'src/new.ts', action: 'add' },
    { path: 'src/old.ts', action: 'update' },
    { path: 'src/renamed.ts', action: 'move' },
    { path: 'src/$(touch pwned) [id].ts', action: 'delete' },
  ]);
  assert.deepEqual(applyPatchFiles('no patch here'), []);
});

test('Codex: a patch naming a held file is denied as Codex honours it, naming that file; a patch of free files leases each of them', async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  await heldByClaude(t, repo.root, env, 'src/held.ts');
  const input = (patch: string) => fixture('pre-tool-use.apply_patch', repo.root, 'codex-1', { tool_input: { command: patch } }, 'codex');

  const denied = clientHook(
    'codex',
    'pre-tool-use',
    input('*** Begin Patch\n*** Add File: src/a.ts\n+a\n*** Update File: src/held.ts\n@@\n-x\n+y\n*** End Patch\n'),
    env,
  );
  assert.equal(denied.status, 0, denied.stderr);
  assert.equal(denied.json.hookSpecificOutput.permissionDecision, 'deny');
  assert.match(denied.json.hookSpecificOutput.permissionDecisionReason, /agent-lease denied this edit: src\/held\.ts is leased to another session/);
  assert.doesNotMatch(denied.json.hookSpecificOutput.permissionDecisionReason, /src\/a\.ts/);

  const moved = clientHook(
    'codex',
    'pre-tool-use',
    input('*** Begin Patch\n*** Update File: src/b.ts\n*** Move to: src/c.ts\n*** Delete File: src/$(x) [y].ts\n*** End Patch\n'),
    env,
  );
  assert.equal(moved.status, 0, moved.stderr);
  assert.equal(moved.stdout, '', 'nothing to say when every file is free');
  assert.deepEqual(await held(repo, 'codex-1'), ['src/$(x) [y].ts', 'src/a.ts', 'src/b.ts', 'src/c.ts']);
  const session = await withRepoStore(repo, (store) => store.read(() => get<{ runtime: string }>("SELECT runtime FROM sessions WHERE id = 'codex-1'")));
  assert.equal(session?.runtime, 'codex');

  const shell = clientHook(
    'codex',
    'pre-tool-use',
    fixture('pre-tool-use.bash', repo.root, 'codex-1', { tool_input: { command: 'echo hi > src/held.ts' } }, 'codex'),
    env,
  );
  assert.equal(shell.json.hookSpecificOutput.permissionDecision, 'deny');
  assert.match(shell.json.hookSpecificOutput.permissionDecisionReason, /agent-lease denied this command before it ran/);
  assert.equal(readFileSync(join(repo.root, 'README.md'), 'utf8'), 'test\n');
});

test('Codex: its session start briefs the model about the held file, and its stop and end release what it no longer needs', async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  await heldByClaude(t, repo.root, env, 'src/held.ts');
  const start = clientHook('codex', 'session-start', fixture('session-start', repo.root, 'codex-2', {}, 'codex'), env);
  assert.equal(start.status, 0, start.stderr);
  assert.match(start.json.hookSpecificOutput.additionalContext, /src\/held\.ts/);
  clientHook(
    'codex',
    'pre-tool-use',
    fixture(
      'pre-tool-use.apply_patch',
      repo.root,
      'codex-2',
      { tool_input: { command: '*** Begin Patch\n*** Add File: src/n.ts\n+n\n*** End Patch' } },
      'codex',
    ),
    env,
  );
  assert.deepEqual(await held(repo, 'codex-2'), ['src/n.ts']);
  assert.equal(clientHook('codex', 'stop', fixture('stop', repo.root, 'codex-2', {}, 'codex'), env).status, 0);
  assert.deepEqual(await held(repo, 'codex-2'), [], 'no pending change to src/n.ts at the end of the turn');
  assert.equal(clientHook('codex', 'session-end', fixture('session-end', repo.root, 'codex-2', {}, 'codex'), env).status, 0);
});

test('Gemini CLI: write_file of a held file is denied with decision "deny"; replace of a free one is leased; other tools pass', async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  await heldByClaude(t, repo.root, env, 'src/held.ts');
  const denied = clientHook(
    'gemini',
    'before-tool',
    fixture('before-tool.write_file', repo.root, 'gemini-1', { tool_input: { file_path: 'src/held.ts', content: 'x' } }, 'gemini-cli'),
    env,
  );
  assert.equal(denied.status, 0, denied.stderr);
  assert.equal(denied.json.decision, 'deny');
  assert.match(denied.json.reason, /agent-lease denied this edit: src\/held\.ts/);
  const replaced = clientHook(
    'gemini',
    'before-tool',
    fixture(
      'before-tool.replace',
      repo.root,
      'gemini-1',
      { tool_input: { file_path: join(repo.root, 'src/free.ts'), old_string: 'a', new_string: 'b' } },
      'gemini-cli',
    ),
    env,
  );
  assert.equal(replaced.stdout, '', replaced.stderr);
  assert.deepEqual(await held(repo, 'gemini-1'), ['src/free.ts']);
  const read = clientHook(
    'gemini',
    'before-tool',
    { ...fixture('before-tool.write_file', repo.root, 'gemini-1', {}, 'gemini-cli'), tool_name: 'read_file' },
    env,
  );
  assert.equal(read.stdout, '');
  const start = clientHook('gemini', 'session-start', fixture('session-start', repo.root, 'gemini-1', {}, 'gemini-cli'), env);
  assert.equal(start.json.hookSpecificOutput.hookEventName, 'SessionStart');
  assert.match(start.json.hookSpecificOutput.additionalContext, /src\/held\.ts/);
  assert.equal(clientHook('gemini', 'after-agent', fixture('after-agent', repo.root, 'gemini-1', {}, 'gemini-cli'), env).status, 0);
});

test('Gemini CLI: a command that commits a held file is denied before it runs (its shell runs git without hooks)', async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  repo.write('src/held.ts', 'v1\n');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'held']);
  await heldByClaude(t, repo.root, env, 'src/held.ts');
  repo.write('src/held.ts', 'v2\n');
  const input = (command: string) =>
    fixture('before-tool.run_shell_command', repo.root, 'gemini-2', { tool_input: { command, description: 'c' } }, 'gemini-cli');
  assert.equal(clientHook('gemini', 'before-tool', input('git commit -q -m only-staged'), env).stdout, '', 'nothing staged: nothing to refuse');
  const staging = clientHook('gemini', 'before-tool', input('git add -A && git commit -q -m all'), env);
  assert.equal(staging.json.decision, 'deny');
  assert.match(staging.json.reason, /commit refused: 1 staged file is held by another session[\s\S]*Gemini CLI runs shell commands with git hooks turned off/);
  repo.git(['add', 'src/held.ts']);
  assert.equal(clientHook('gemini', 'before-tool', input('git commit -q -m staged'), env).json.decision, 'deny');
});

test('OpenCode: the plugin input of a held file is answered with a refusal, a free one is leased', async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  await heldByClaude(t, repo.root, env, 'src/held.ts');
  const tool = (name: string, args: Record<string, unknown>) => ({ session_id: 'oc-1', cwd: repo.root, tool_name: name, tool_input: args });
  const denied = clientHook('opencode', 'tool-before', tool('edit', { filePath: join(repo.root, 'src/held.ts'), oldString: 'a', newString: 'b' }), env);
  assert.match(denied.json.deny, /agent-lease denied this edit: src\/held\.ts/);
  const patched = clientHook('opencode', 'tool-before', tool('apply_patch', { patchText: '*** Begin Patch\n*** Add File: src/p.ts\n+p\n*** End Patch' }), env);
  assert.equal(patched.stdout, '', patched.stderr);
  assert.deepEqual(await held(repo, 'oc-1'), ['src/p.ts']);
});

test('bad input to another client hook is one line on stderr, exit 1, never a stack trace', (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  for (const [client, event, input, problem] of [
    ['codex', 'pre-tool-use', '{"session_id": "s", "tool_name": "apply_patch"}', /no "tool_input" object/],
    ['gemini', 'before-tool', 'not json', /stdin is not valid JSON/],
    ['gemini', 'no-such-event', '{}', /unknown event "no-such-event"/],
  ] as const) {
    const run = clientHook(client, event, input, env);
    assert.equal(run.status, 1, `${client} ${event}`);
    assert.match(run.stderr, problem);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  }
});
