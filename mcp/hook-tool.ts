// The hook tool: Claude Code's `mcp_tool` hooks call it with the arguments init writes
// (lib/claude/hook-commands.ts, mcpHookInput), each a field of the hook input interpolated as
// text. They are turned back into the hook input and answered by the command hook's own handler
// (hooks/run.ts), so that both entry points make one decision: the answer's text is what the
// command hook prints, and a hook error is a tool error with the hook's message.
import { handleEvent } from '../hooks/run';
import type { HookInput } from '../hooks/types';

/** Fields that hold JSON (an object interpolated is its JSON text), and numbers. */
const JSON_FIELDS = new Set(['tool_input']);
const NUMBER_FIELDS = new Set(['duration_ms']);

export interface ToolAnswer {
  isError: boolean;
  text: string;
}

/** `args` as the tool receives them: `hook` names the handler, the rest is the hook input. */
export async function answerHook(args: Record<string, unknown>): Promise<ToolAnswer> {
  const { hook, ...fields } = args;
  const outcome = await handleEvent(typeof hook === 'string' ? hook : '', hookInput(fields));
  if (outcome.exitCode === 1) return { isError: true, text: (outcome.stderr ?? 'agent-lease hook failed').trim() };
  return { isError: false, text: outcome.stdout?.trim() || '{}' };
}

/** The hook input again: a field Claude Code had no value for comes as "" and is left out, as it was. */
export function hookInput(fields: Record<string, unknown>): HookInput {
  const input: HookInput = {};
  for (const [field, value] of Object.entries(fields)) {
    if (value === '' || value === undefined) continue;
    if (typeof value === 'string' && JSON_FIELDS.has(field)) input[field] = parsedOrText(value);
    else if (typeof value === 'string' && NUMBER_FIELDS.has(field) && /^\d+(\.\d+)?$/.test(value)) input[field] = Number(value);
    else input[field] = value;
  }
  return input;
}

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
