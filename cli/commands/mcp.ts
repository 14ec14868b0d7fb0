import { parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';

const USAGE = `usage: agent-lease mcp

Serves agent-lease's MCP tools (status, who, claim, release, wait, ask, reply) and the hook tool
of init --mcp's mcp_tool hooks on stdin/stdout, acting as the session of the agent that started
it. Claude Code starts it from .mcp.json; see docs/mcp.md for other clients.`;

/** `agent-lease mcp` itself goes from bin/ straight to the server; this answers --help and stray arguments. */
export const command: Command = {
  usage: USAGE,
  run(args) {
    const { positionals } = parseCommandArgs(args, {}, USAGE);
    throw usageError(positionals.length > 0 ? `unexpected argument "${positionals[0]}"` : 'the server takes no arguments', USAGE);
  },
};
