// doctor's check of the MCP server that `init --mcp` registers: started as Claude Code would start
// it (the command in .mcp.json, in the worktree), it must answer the MCP handshake and list its
// hook tool. A server that is down makes every mcp_tool hook a non-blocking error: edits go
// ahead unleased, which is worth a failing check.
import { existsSync } from 'node:fs';
import { MCP_HOOK_TOOL, MCP_SERVER } from '../lib/claude/hook-commands';
import { readMcpConfig } from '../lib/claude/mcp-config';
import { mcpConfigPath } from '../lib/claude/mcp-setup';
import { describeError } from '../lib/util/errors';
import { firstLine } from '../lib/util/text';
import type { CheckResult } from './doctor-checks';

const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Null when no agent-lease server is registered (command hooks only). */
export async function checkMcpServer(worktreeRoot: string): Promise<CheckResult | null> {
  const file = mcpConfigPath(worktreeRoot);
  if (!existsSync(file)) return null;
  const entry = (readMcpConfig(file).mcpServers as Record<string, { command?: unknown; args?: unknown }> | undefined)?.[MCP_SERVER];
  if (entry === undefined) return null;
  const fix = 'run `agent-lease mcp` in this worktree to see why it does not start (npm install?), or go back to command hooks with `agent-lease init`';
  if (typeof entry.command !== 'string') return { check: 'mcp server', status: 'fail', message: `${file}: the "${MCP_SERVER}" server has no command`, fix };
  const { Client } = require('@modelcontextprotocol/sdk/client/index.js') as typeof import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js') as typeof import('@modelcontextprotocol/sdk/client/stdio.js');
  const client = new Client({ name: 'agent-lease-doctor', version: '1' });
  const args = Array.isArray(entry.args) ? entry.args.map(String) : [];
  const env = Object.fromEntries(Object.entries(process.env).filter((pair): pair is [string, string] => pair[1] !== undefined));
  try {
    await client.connect(new StdioClientTransport({ command: entry.command, args, cwd: worktreeRoot, env, stderr: 'ignore' }), {
      timeout: HANDSHAKE_TIMEOUT_MS,
    });
    const { tools } = await client.listTools(undefined, { timeout: HANDSHAKE_TIMEOUT_MS });
    if (!tools.some((tool) => tool.name === MCP_HOOK_TOOL)) {
      return {
        check: 'mcp server',
        status: 'fail',
        message: `the "${MCP_SERVER}" server in ${file} answers but has no ${MCP_HOOK_TOOL} tool: it is not agent-lease's`,
        fix,
      };
    }
    return { check: 'mcp server', status: 'ok', message: `the "${MCP_SERVER}" MCP server starts and answers (${tools.length} tools)` };
  } catch (error) {
    return {
      check: 'mcp server',
      status: 'fail',
      message: `the "${MCP_SERVER}" MCP server in ${file} does not answer (${firstLine(describeError(error))}): its mcp_tool hooks fail, and Claude Code lets every edit through unleased`,
      fix,
    };
  } finally {
    await client.close().catch(() => {});
  }
}
