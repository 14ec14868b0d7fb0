// The hooks of clients other than Claude Code: `agent-lease hook <client> <event>`. Built into its
// own bundle (dist/hooks/clients-bundle.js), so that Claude Code's hooks load none of this.
import type { Handler } from './run';
import { runHandlers } from './run';

export { codePathsRun } from './code-paths';

const CLIENTS: Record<string, () => { HANDLERS: Record<string, () => Handler> }> = {
  codex: () => require('./codex'),
  gemini: () => require('./gemini'),
  opencode: () => require('./opencode'),
};

export function runClientHook(args: string[]): void {
  const [client = '', event = ''] = args;
  runHandlers(CLIENTS[client]!().HANDLERS, `agent-lease hook ${client}`, event);
}
