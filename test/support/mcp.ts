// The agent-lease MCP server under the SDK's own client, over stdio, as Claude Code runs it; and
// the interpolation Claude Code applies to an `mcp_tool` hook's input (seen on 2.1.332: `${path}`
// is a field of the hook input, a string as it is, an object as its JSON text, a number as its
// digits, and a missing field as "").
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { readdirSync, readFileSync } from 'node:fs';
import { BIN } from './hooks';

export interface ToolText {
  isError: boolean;
  text: string;
}

export interface McpSession {
  client: Client;
  call(tool: string, args?: Record<string, unknown>): Promise<ToolText>;
  close(): Promise<void>;
}

export async function startMcpServer(cwd: string, env: NodeJS.ProcessEnv): Promise<McpSession> {
  const client = new Client({ name: 'agent-lease-test', version: '1' });
  const clean = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], cwd, env: clean, stderr: 'inherit' }));
  return {
    client,
    async call(tool, args = {}) {
      const result = (await client.callTool({ name: tool, arguments: args })) as { isError?: boolean; content: Array<{ type: string; text?: string }> };
      return { isError: result.isError === true, text: result.content.map((block) => block.text ?? '').join('\n') };
    },
    close: () => client.close(),
  };
}

/** `template` (an mcp_tool hook's `input`) with every string's `${path}` filled from `input`. */
export function interpolate(template: Record<string, unknown>, input: Record<string, unknown>): Record<string, unknown> {
  const filled: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    filled[key] = typeof value === 'string' ? value.replace(/\$\{([^}]+)\}/g, (_, path: string) => textOf(lookUp(input, path))) : value;
  }
  return filled;
}

function lookUp(input: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((value, key) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined), input);
}

function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The agent-lease MCP servers Claude Code (`claudePid`) runs: its children running `agent-lease … mcp`. */
export function mcpServersOf(claudePid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(
        readFileSync(`/proc/${entry}/stat`, 'utf8')
          .replace(/^.*\) /s, '')
          .split(' ')[1],
      );
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (ppid === claudePid && cmdline.some((arg) => arg.endsWith('agent-lease')) && cmdline.at(-2) === 'mcp') found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}
