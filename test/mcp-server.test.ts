// `agent-lease mcp` under the MCP SDK's real client over stdio: the tools it lists, each tool at
// work, the session it acts as (following the process across /clear), and its hook tool answering
// exactly as the command hook does over the captured Claude Code 2.1.332 hook inputs.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { endSession, registerSession } from '../lib/core/sessions';
import { identify } from '../lib/core/processes';
import { HOOK_ENTRIES, MCP_HOOK_EVENTS, mcpHookInput } from '../lib/claude/hook-commands';
import { runCli, withoutIdentity } from './support/cli';
import { hookEnv, runHook, tempRepo, withRepoStore, type HookInput } from './support/hooks';
import type { TempRepo } from './support/git-repo';
import { interpolate, startMcpServer, type McpSession } from './support/mcp';

const SESSION = 'mcp-session';
const FIXTURES = join(__dirname, 'fixtures', 'claude-code-2.1.332');

async function server(t: TestContext, repo: TempRepo, env: NodeJS.ProcessEnv = {}): Promise<McpSession> {
  const session = await startMcpServer(repo.root, { ...hookEnv(repo.env), CLAUDE_CODE_SESSION_ID: SESSION, ...env });
  t.after(() => session.close());
  return session;
}

function project(t: TestContext): TempRepo & { cli(args: string[]): ReturnType<typeof runCli> } {
  const repo = tempRepo(t);
  for (const file of ['src/a.ts', 'src/b.ts', 'src/x.ts', 'src/auth/login.ts', 'src/sub-b.ts']) repo.write(file, 'export {};\n');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'files']);
  return Object.assign(repo, { cli: (args: string[]) => runCli(args, { cwd: repo.root, env: withoutIdentity(repo.env) }) });
}

test('the server lists its lease tools and the hook tool, each with a described JSON schema and no force', async (t) => {
  const mcp = await server(t, project(t));
  const { tools } = await mcp.client.listTools();
  assert.deepEqual(tools.map((tool) => tool.name).sort(), ['ask', 'claim', 'hook', 'release', 'reply', 'status', 'wait', 'who']);
  for (const tool of tools) {
    assert.ok((tool.description ?? '').length > 30, `${tool.name} is described`);
    assert.equal(tool.inputSchema.type, 'object');
    assert.doesNotMatch(JSON.stringify(tool.inputSchema), /force/i, `${tool.name} offers no force`);
    for (const [name, property] of Object.entries(tool.inputSchema.properties ?? {})) {
      if (name !== 'hook') assert.ok((property as { description?: string }).description, `${tool.name}.${name} is described`);
    }
  }
  const claim = tools.find((tool) => tool.name === 'claim')!;
  assert.deepEqual(claim.inputSchema.required, ['patterns']);
  assert.deepEqual(Object.keys(claim.inputSchema.properties!).sort(), ['patterns', 'shared', 'task', 'ttl']);
});

test('each lease tool works as the session of the process that started the server', async (t) => {
  const repo = project(t);
  const mcp = await server(t, repo);
  assert.deepEqual(await mcp.call('claim', { patterns: ['src/a.ts'], task: 'mcp work' }), {
    isError: false,
    text: 'granted src/a.ts (exclusive, 1h00m left, token 1)',
  });
  assert.equal(repo.cli(['claim', 'src/b.ts', '--as', 'bob']).status, 0);

  const status = await mcp.call('status');
  assert.match(
    status.text,
    /^You are session mcp-session\.\nYour leases:\n- src\/a\.ts \(exclusive, .* token 1\)\nOther sessions' leases:\n- bob .*holds src\/b\.ts/,
  );
  const who = await mcp.call('who', { paths: ['src/a.ts', 'src/b.ts', `${repo.root}/src/x.ts`] });
  assert.match(who.text, /^src\/a\.ts:\n- mcp-sess\S* \(task "mcp work".*\) holds src\/a\.ts exclusively/m);
  assert.match(who.text, /^src\/b\.ts:\n- bob /m);
  assert.match(who.text, /^src\/x\.ts: free$/m);

  const refused = await mcp.call('claim', { patterns: ['src/b.ts'] });
  assert.match(refused.text, /^Nothing was granted: another session holds part of it\.\n- src\/b\.ts: bob /);
  assert.match(refused.text, /Next steps: wait for it/);

  assert.match((await mcp.call('ask', { path: 'src/b.ts', message: 'may I have it?' })).text, /^asked bob \(request 1\): it is told at its next step$/);
  assert.equal(
    runCli(['ask', 'src/a.ts', '--message', 'and I yours?'], { cwd: repo.root, env: { ...withoutIdentity(repo.env), AGENT_LEASE_SESSION: 'bob' } }).status,
    0,
  );
  assert.match((await mcp.call('reply', { message: 'in a minute' })).text, /^replied to bob \(request 2\): it is told at its next step$/);

  const timedOut = await mcp.call('wait', { paths: ['src/b.ts'], timeout: '1s' });
  assert.match(timedOut.text, /^Still held after 1s:\n- bob /);
  const waiting = mcp.call('wait', { paths: ['src/b.ts'], timeout: '30s', claim: true });
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(repo.cli(['release', 'src/b.ts', '--as', 'bob']).status, 0);
  assert.match((await waiting).text, /^granted src\/b\.ts \(exclusive, /);

  assert.equal((await mcp.call('release', { patterns: ['src/a.ts'] })).text, 'released src/a.ts (token 1)');
  assert.match((await mcp.call('release', { all: true })).text, /^released src\/b\.ts \(token \d+\)$/);
  assert.equal((await mcp.call('status')).text, 'You are session mcp-session.\nYou hold no leases.\nNo other session holds a lease.');
});

test('tool errors are one line and leave the server running', async (t) => {
  const mcp = await server(t, project(t));
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['claim', { patterns: ['**'] }, /^agent-lease: pattern "\*\*" would lease the whole repository/],
    ['claim', { patterns: ['src/a.ts'], ttl: 'soon' }, /^agent-lease: ttl takes a duration like 90s, 45m or 2h, not "soon"$/],
    ['who', { paths: ['/etc/passwd'] }, /^agent-lease: \/etc\/passwd is not in this repository/],
    ['release', {}, /^agent-lease: give patterns or all: true \(not both\)$/],
    ['ask', { path: 'src/a.ts', message: 'hi' }, /^agent-lease: no other session holds src\/a\.ts/],
    ['claim', { patterns: 'src/a.ts' }, /Input validation error/],
  ];
  for (const [tool, args, problem] of cases) {
    const answer = await mcp.call(tool, args);
    assert.equal(answer.isError, true, `${tool} ${JSON.stringify(args)}`);
    assert.equal(answer.text.split('\n').length, 1, answer.text);
    assert.match(answer.text, problem);
  }
  assert.match((await mcp.call('status')).text, /^You are session mcp-session\./);
});

test('after /clear the server acts as the new session id of the same agent process', async (t) => {
  const repo = project(t);
  const mcp = await server(t, repo);
  assert.match((await mcp.call('status')).text, /^You are session mcp-session\./);
  await withRepoStore(repo, async (store) => {
    // What SessionEnd(clear) and SessionStart(clear) record: the old id ends, a new one starts in the same process.
    await endSession(store, SESSION, 'session-end (clear)');
    await registerSession(store, { id: 'after-clear', runtime: 'claude-code', process: identify(process.pid) });
  });
  assert.match((await mcp.call('status')).text, /^You are session after-clear\./);
  assert.equal((await mcp.call('claim', { patterns: ['src/a.ts'] })).isError, false);
  assert.match(repo.cli(['who', 'src/a.ts']).stdout, /after-cl/);
});

/** The captured inputs of the events `init --mcp` sends to the hook tool, with their checkout at `root`. */
function mcpHookFixtures(root: string): Array<{ name: string; hook: string; input: HookInput }> {
  const hookOf = new Map(HOOK_ENTRIES.map((entry) => [entry.event, entry.hook]));
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith('.json') && file !== 'manifest.json')
    .map((file) => ({
      name: file.replace(/\.json$/, ''),
      input: JSON.parse(readFileSync(join(FIXTURES, file), 'utf8').split('/work/app').join(root)) as HookInput,
    }))
    .filter(({ input }) => MCP_HOOK_EVENTS.has(input.hook_event_name as string))
    .map((fixture) => ({ ...fixture, hook: hookOf.get(fixture.input.hook_event_name as string)! }));
}

/** An answer with what differs between two repositories and two runs (paths, times left) made alike. */
function normalized(text: string, root: string): string {
  return text
    .split(root)
    .join('<repo>')
    .replace(/\b(\d+h)?\d+m\b|\b\d+s\b/g, '<time>');
}

test("the hook tool's answer equals the command hook's for every captured input, interpolated as init writes it", async (t) => {
  // Two identical projects: one answered by the command hook, one by the server's hook tool.
  const viaCommand = project(t);
  const viaMcp = project(t);
  for (const repo of [viaCommand, viaMcp]) {
    assert.equal(repo.cli(['claim', 'src/auth/login.ts', 'src/x.ts', '--as', 'other', '--task', 'held $(elsewhere)']).status, 0);
  }
  const mcp = await server(t, viaMcp);
  const fixtures = mcpHookFixtures(viaCommand.root);
  assert.ok(fixtures.length >= 15, `${fixtures.length} fixtures`);
  assert.ok(fixtures.some(({ input }) => input.agent_id === undefined) && fixtures.some(({ input }) => typeof input.agent_id === 'string'));
  let denials = 0;
  for (const { name, hook } of fixtures) {
    const command = runHook(hook, mcpHookFixtures(viaCommand.root).find((f) => f.name === name)!.input, { env: hookEnv(viaCommand.env) });
    const input = mcpHookFixtures(viaMcp.root).find((f) => f.name === name)!.input;
    const args = interpolate(mcpHookInput(hook as Parameters<typeof mcpHookInput>[0]), input);
    if (input.agent_id === undefined) assert.equal(args.agent_id, '', `${name}: an absent agent_id comes as ""`);
    const answer = await mcp.call('hook', args);
    if (command.status === 1) {
      assert.equal(answer.isError, true, `${name}: the command hook failed, so must the tool (${command.stderr})`);
      assert.equal(normalized(answer.text, viaMcp.root), normalized(command.stderr.trim(), viaCommand.root), name);
      continue;
    }
    assert.equal(command.status, 0, `${name}: ${command.stderr}`);
    assert.equal(answer.isError, false, `${name}: ${answer.text}`);
    const expected = command.stdout.trim() === '' ? {} : JSON.parse(normalized(command.stdout, viaCommand.root));
    assert.deepEqual(JSON.parse(normalized(answer.text, viaMcp.root)), expected, name);
    if (answer.text.includes('"deny"')) denials++;
  }
  assert.ok(denials >= 2, `the table includes denials (${denials})`);
});

test('an edit through the hook tool right after the session was ended elsewhere registers it again and leases the file', async (t) => {
  const repo = project(t);
  const mcp = await server(t, repo);
  const edit = async (file: string) => {
    const input = {
      session_id: SESSION,
      cwd: repo.root,
      hook_event_name: 'PreToolUse',
      tool_name: 'Edit',
      tool_input: { file_path: join(repo.root, file), old_string: 'a', new_string: 'b' },
    };
    const answer = await mcp.call('hook', interpolate(mcpHookInput('pre-tool-use'), input));
    assert.deepEqual(JSON.parse(answer.text), {}, `${file}: ${answer.text}`);
  };
  await edit('src/a.ts');
  // Within the seconds the server trusts its last look at the session, another process ends it (as SessionEnd would).
  await withRepoStore(repo, (store) => endSession(store, SESSION));
  assert.match(repo.cli(['who', 'src/a.ts']).stdout, /free/);
  await edit('src/b.ts');
  assert.match(repo.cli(['who', 'src/b.ts']).stdout, /mcp-sess/);
});
