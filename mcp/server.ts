// `agent-lease mcp`: a stdio MCP server (the official SDK) that Claude Code starts with the
// session. It offers the model the lease tools (tools.ts) and answers Claude Code's `mcp_tool`
// hooks through the hook tool (hook-tool.ts), with the store already open. A tool's failure is a
// tool error of one line; nothing a call does can bring the server down.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import { deferCheckpoints } from '../lib/core/sqlite';
import { checkpointOffThread } from '../lib/core/sqlite-checkpointer';
import { describeError, describeStoreError } from '../lib/util/errors';
import { firstLine } from '../lib/util/text';
import { answerHook, type ToolAnswer } from './hook-tool';
import { startHeartbeat } from './heartbeat';
import { LEASE_TOOLS } from './tools';
import { openWorkspace, type Workspace } from './workspace';

const HOOK_DESCRIPTION =
  "Answers Claude Code's hooks for agent-lease (called by the mcp_tool hooks that agent-lease init --mcp writes). Not for the model: edits are leased and checked by the hook itself.";

export function createServer(workspace: () => Workspace): McpServer {
  const version = (require('../../package.json') as { version: string }).version;
  const server = new McpServer({ name: 'agent-lease', version });
  for (const [name, leaseTool] of Object.entries(LEASE_TOOLS)) {
    server.registerTool(name, { description: leaseTool.description, inputSchema: leaseTool.input }, async (args, extra) =>
      result(await answered(() => leaseTool.run(workspace(), args as never, extra.signal))),
    );
  }
  server.registerTool(
    'hook',
    {
      description: HOOK_DESCRIPTION,
      inputSchema: z.object({ hook: z.string().describe('the agent-lease hook to run, e.g. pre-tool-use') }).catchall(z.unknown()),
    },
    async (args) => result(await answerHook(args)),
  );
  return server;
}

async function answered(run: () => string | Promise<string>): Promise<ToolAnswer> {
  try {
    return { isError: false, text: await run() };
  } catch (error) {
    const text = (error as { code?: unknown }).code?.toString().startsWith('SQLITE_') ? describeStoreError(error) : describeError(error);
    return { isError: true, text: `agent-lease: ${firstLine(text)}` };
  }
}

function result(answer: ToolAnswer): { content: Array<{ type: 'text'; text: string }>; isError?: boolean } {
  return answer.isError ? { content: [{ type: 'text', text: answer.text }], isError: true } : { content: [{ type: 'text', text: answer.text }] };
}

/** Serves on stdin/stdout until the client goes away. The workspace is opened on the first lease tool call. */
export async function runServer(): Promise<void> {
  // A new lease's checkpoint (two fsyncs) is made beside the answers, not before one, nor in the way of the next.
  const checkpoints = checkpointOffThread();
  deferCheckpoints(checkpoints.request);
  // However the server ends (its client gone, or told to stop), what waits for a checkpoint gets it:
  // a copy of state.db alone holds every lease granted.
  process.once('exit', () => checkpoints.flush());
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => process.exit(0));
  let opened: Workspace | undefined;
  const workspace = (): Workspace => (opened ??= openWorkspace());
  const server = createServer(workspace);
  const transport = new StdioServerTransport();
  transport.onclose = () => process.exit(0);
  await server.connect(transport);
  startHeartbeat(() => workspace().store);
}
