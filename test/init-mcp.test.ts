// `agent-lease init --mcp`: the server in .mcp.json, enabled and its lease tools allowed, the
// tool and prompt hooks in mcp_tool form; `uninstall` takes out exactly that; `doctor` notices a
// server that does not answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MCP_HOOK_EVENTS, MCP_SERVER, mcpHookInput } from '../lib/claude/hook-commands';
import { pluginMcpServerEntry } from '../lib/claude/mcp-setup';
import { runCli, withoutIdentity } from './support/cli';
import { installAgentLease } from './support/claude-code';
import { tempRepo } from './support/hooks';

const USER_SETTINGS = { permissions: { allow: ['Bash(npm test)'] }, hooks: { Stop: [{ hooks: [{ type: 'command', command: './notify.sh' }] }] } };
const USER_MCP = { mcpServers: { docs: { command: 'docs-server' } } };

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

test('init --mcp registers the server and moves the tool and prompt hooks to it; uninstall removes exactly that', (t) => {
  const repo = tempRepo(t);
  repo.write('.claude/settings.json', JSON.stringify(USER_SETTINGS, null, 2));
  repo.write('.mcp.json', JSON.stringify(USER_MCP, null, 4));
  const cli = (args: string[]) => runCli(args, { cwd: repo.root, env: withoutIdentity(repo.env) });

  const init = cli(['init', '--mcp']);
  assert.equal(init.status, 0, init.stderr);
  assert.match(init.stdout, /added the MCP server "agent-lease" \(agent-lease mcp\)/);
  assert.match(init.stdout, /Commit .*\.mcp\.json/);
  const config = readJson(join(repo.root, '.mcp.json')) as { mcpServers: Record<string, { command: string; args: string[]; alwaysLoad: boolean }> };
  assert.deepEqual(config.mcpServers.docs, USER_MCP.mcpServers.docs);
  assert.equal(config.mcpServers['agent-lease']!.alwaysLoad, true);
  assert.match(config.mcpServers['agent-lease']!.args.join(' '), /exec "\$b" mcp$/);
  assert.match(readFileSync(join(repo.root, '.mcp.json'), 'utf8'), /^ {4}"mcpServers"/m, 'the file keeps its indentation');

  const settings = readJson(join(repo.root, '.claude', 'settings.json')) as {
    enabledMcpjsonServers: string[];
    permissions: { allow: string[] };
    hooks: Record<string, Array<{ matcher?: string; hooks: Array<Record<string, unknown>> }>>;
  };
  assert.deepEqual(settings.enabledMcpjsonServers, ['agent-lease']);
  assert.deepEqual(settings.permissions.allow, [
    'Bash(npm test)',
    ...['status', 'who', 'claim', 'release', 'wait', 'ask', 'reply'].map((tool) => `mcp__agent-lease__${tool}`),
  ]);
  for (const [event, groups] of Object.entries(settings.hooks)) {
    const ours = groups
      .flatMap((group) => group.hooks)
      .filter((handler) => handler.server === 'agent-lease' || String(handler.command).includes('agent-lease'));
    if (event === 'Stop') assert.equal(ours.length, 1);
    for (const handler of ours) {
      if (MCP_HOOK_EVENTS.has(event)) {
        assert.equal(handler.type, 'mcp_tool', event);
        assert.equal(handler.tool, 'hook');
        assert.deepEqual(handler.input, mcpHookInput((handler.input as { hook: Parameters<typeof mcpHookInput>[0] }).hook));
      } else {
        assert.equal(handler.type, 'command', `${event} stays a command hook`);
      }
    }
  }
  assert.equal(settings.hooks.PreToolUse![0]!.matcher, 'Write|Edit|MultiEdit|NotebookEdit|Bash');
  assert.equal((settings.hooks.PreToolUse![0]!.hooks[0]!.input as { hook: string }).hook, 'pre-tool-use');
  assert.ok(['SessionStart', 'SessionEnd'].every((event) => settings.hooks[event]![0]!.hooks[0]!.type === 'command'));

  const again = cli(['init', '--mcp']);
  assert.match(again.stdout, /settings\.json: agent-lease hooks already installed/);
  assert.match(again.stdout, /\.mcp\.json: agent-lease MCP server already registered/);

  const uninstall = cli(['uninstall']);
  assert.equal(uninstall.status, 0, uninstall.stderr);
  assert.deepEqual(readJson(join(repo.root, '.claude', 'settings.json')), USER_SETTINGS);
  assert.deepEqual(readJson(join(repo.root, '.mcp.json')), USER_MCP);
});

test('uninstall removes a .mcp.json that init --mcp created, and init without --mcp goes back to command hooks', (t) => {
  const repo = tempRepo(t);
  const cli = (args: string[]) => runCli(args, { cwd: repo.root, env: withoutIdentity(repo.env) });
  assert.equal(cli(['init', '--mcp']).status, 0);
  const back = cli(['init']);
  assert.match(back.stdout, /updated PreToolUse \(Write\|Edit\|MultiEdit\|NotebookEdit\|Bash\) → agent-lease hook pre-tool-use, timeout 10s/);
  const hooks = (readJson(join(repo.root, '.claude', 'settings.json')) as { hooks: Record<string, Array<{ hooks: Array<{ type: string }> }>> }).hooks;
  assert.ok(Object.values(hooks).every((groups) => groups.every((group) => group.hooks.every((handler) => handler.type === 'command'))));
  assert.equal(cli(['uninstall']).status, 0);
  assert.equal(existsSync(join(repo.root, '.mcp.json')), false);
  assert.equal(existsSync(join(repo.root, '.claude', 'settings.json')), false);
});

test('doctor starts the registered server and fails when it does not answer', (t) => {
  const repo = tempRepo(t);
  installAgentLease(repo.root);
  const cli = (args: string[]) => runCli(args, { cwd: repo.root, env: withoutIdentity(repo.env) });
  assert.equal(cli(['init', '--mcp']).status, 0);
  const healthy = JSON.parse(cli(['doctor', '--json']).stdout) as { checks: Array<{ check: string; status: string; message: string }> };
  const check = healthy.checks.find((entry) => entry.check === 'mcp server');
  assert.equal(check?.status, 'ok', JSON.stringify(check));
  assert.match(check!.message, /starts and answers \(8 tools\)/);

  const file = join(repo.root, '.mcp.json');
  const config = readJson(file) as { mcpServers: Record<string, { args: string[] }> };
  config.mcpServers['agent-lease']!.args = ['-c', 'exit 3'];
  writeFileSync(file, JSON.stringify(config));
  const broken = cli(['doctor', '--json']);
  assert.equal(broken.status, 1);
  const failed = (JSON.parse(broken.stdout) as typeof healthy).checks.find((entry) => entry.check === 'mcp server')!;
  assert.equal(failed.status, 'fail');
  assert.match(failed.message, /does not answer .*Claude Code lets every edit through unleased/);
});

test("the plugin's MCP server is the one lib/claude/mcp-setup.ts describes, under the name init gives it", () => {
  const plugin = readJson(join(__dirname, '..', '.claude-plugin', 'plugin.json')) as { mcpServers: Record<string, unknown> };
  assert.deepEqual(plugin.mcpServers, { [MCP_SERVER]: pluginMcpServerEntry() });
});

test('init --mcp with hooks.onStoreError "deny" makes the PreToolUse hook block when the server gives no answer; the others, and "allow", do not', (t) => {
  for (const onStoreError of ['allow', 'deny'] as const) {
    const repo = tempRepo(t);
    repo.write('.agent-lease.json', JSON.stringify({ hooks: { onStoreError } }));
    const init = runCli(['init', '--mcp'], { cwd: repo.root, env: withoutIdentity(repo.env) });
    assert.equal(init.status, 0, init.stderr);
    const settings = readJson(join(repo.root, '.claude', 'settings.json')) as { hooks: Record<string, Array<{ hooks: Array<Record<string, unknown>> }>> };
    const onFailure = Object.fromEntries(
      [...MCP_HOOK_EVENTS].map((event) => [event, settings.hooks[event]!.flatMap((group) => group.hooks.map((handler) => handler.onFailure ?? null))]),
    );
    assert.deepEqual(onFailure, {
      UserPromptSubmit: [null],
      PreToolUse: [onStoreError === 'deny' ? 'block' : null],
      PostToolUse: [null],
      PostToolUseFailure: [null],
    });
  }
});
