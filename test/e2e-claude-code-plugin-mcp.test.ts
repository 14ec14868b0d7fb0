// The Claude Code plugin ships the agent-lease MCP server (`mcpServers` in .claude-plugin/plugin.json):
// loaded with --plugin-dir into the real Claude Code, with agent-lease installed globally, the
// server's tools reach the model under the plugin's names and work as the session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MCP_LEASE_TOOLS } from '../lib/claude/mcp-setup';
import { listLeases } from '../lib/core/lease-queries';
import { lastToolOutcome, type MessagesRequest, type Step, type ToolOutcome } from './support/claude-code';
import { harness, installGlobally, SKIP, within } from './support/claude-project';
import { withRepoStore } from './support/hooks';

const ROOT = join(__dirname, '..');
/** Claude Code names a plugin's server `plugin:<plugin>:<server>`, and its tools so. */
const TOOL = (name: string) => `mcp__plugin_agent-lease_agent-lease__${name}`;

test("the plugin's MCP server: its lease tools are listed to the model and claim and who work as the session", { skip: SKIP, timeout: 120_000 }, async (t) => {
  const { repo, claude, scriptFailures } = harness(t);
  const env = installGlobally(repo);
  repo.write('src/x.ts', 'export const x = 1;\n');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'x']);
  let first: MessagesRequest | undefined;
  const outcomes: ToolOutcome[] = [];
  let leases: unknown[] = [];
  const steps: Step[] = [
    (request) => {
      first = request;
      return { tool: TOOL('claim'), input: { patterns: ['src/x.ts'], task: 'plugin claim' } };
    },
    (request) => {
      outcomes.push(lastToolOutcome(request));
      return { tool: TOOL('who'), input: { paths: ['src/x.ts'] } };
    },
    async (request) => {
      outcomes.push(lastToolOutcome(request));
      leases = await withRepoStore(repo, async (store) => (await listLeases(store)).map((lease) => [lease.pattern, lease.holder.runtime, lease.task]));
      return { text: 'done' };
    },
  ];
  const allowed = [TOOL('claim'), TOOL('who')].join(',');
  const run = await claude('plugin-mcp', repo.root, steps, ['--plugin-dir', ROOT, '--allowedTools', allowed], undefined, env);
  const exit = await within(run.exited, 'claude to exit');
  assert.equal(exit.code, 0, exit.stderr);
  assert.deepEqual(scriptFailures(), []);

  const listed = new Set((first?.tools ?? []).map((tool) => tool.name));
  for (const name of [...MCP_LEASE_TOOLS, 'hook']) assert.ok(listed.has(TOOL(name)), `${TOOL(name)} is listed: ${[...listed].join(', ')}`);
  const [claimed, looked] = outcomes;
  assert.equal(claimed?.isError, false, claimed?.result);
  assert.match(claimed!.result, /^granted src\/x\.ts \(exclusive, 1h00m left, token \d+\)$/);
  assert.match(looked!.result, /^src\/x\.ts:\n- \S+ \(task "plugin claim", worktree .*\) holds src\/x\.ts exclusively \(claim lease/);
  assert.deepEqual(leases, [['src/x.ts', 'claude-code', 'plugin claim']], 'while the session ran, the lease was its own');
});
