// Gemini CLI's adapter (`agent-lease hook gemini <event>`, from the project's .gemini/settings.json):
// BeforeTool for its edit tools (`write_file`, `replace`) and its shell (`run_shell_command`),
// AfterTool for the shell, AfterAgent at the end of a turn, SessionStart and SessionEnd. A refusal
// is `{"decision": "deny", "reason": …}`; context for the model goes in `additionalContext`.
// Gemini CLI turns git hooks off in its shell, so a commit is checked before the command runs
// (lib/decisions/hookless-commits.ts), not by the commit guard.
import type { Verdict } from '../lib/decisions/verdict';
import { afterShell, beforeShell, clientEvent, handler, decideEdits, sessionEnd, sessionStart, turnEnd } from './client-events';
import { requiredObject, requiredString } from './input';
import type { Handler } from './run';
import type { HookInput, HookOutcome } from './types';

const RUNTIME = 'gemini-cli';
/** Gemini CLI's tools that write one file, named by `file_path`. */
export const EDIT_TOOLS = ['write_file', 'replace'];
export const SHELL_TOOL = 'run_shell_command';

export const HANDLERS: Record<string, () => Handler> = {
  'session-start': handler(async (input) => render('SessionStart', await sessionStart(clientEvent(input, RUNTIME), input))),
  'before-tool': handler(beforeTool),
  'after-tool': handler(async (input) =>
    requiredString(input, 'tool_name') === SHELL_TOOL ? render('AfterTool', await afterShell(clientEvent(input, RUNTIME))) : {},
  ),
  'after-agent': handler(async (input) => render('AfterAgent', await turnEnd(clientEvent(input, RUNTIME)))),
  'session-end': handler(async (input) => render('SessionEnd', await sessionEnd(clientEvent(input, RUNTIME), input))),
};

async function beforeTool(input: HookInput): Promise<HookOutcome> {
  const tool = requiredString(input, 'tool_name');
  const event = clientEvent(input, RUNTIME);
  if (tool === SHELL_TOOL) {
    const command = requiredString(requiredObject(input, 'tool_input'), 'command', 'tool_input.command');
    const writes = await beforeShell(event, command);
    if (writes.deny !== undefined) return render('BeforeTool', writes);
    const { beforeHooklessCommit } = require('../lib/decisions/hookless-commits') as typeof import('../lib/decisions/hookless-commits');
    const commit = await beforeHooklessCommit(event, command, 'Gemini CLI');
    return render('BeforeTool', commit.deny !== undefined ? commit : writes);
  }
  if (!EDIT_TOOLS.includes(tool)) return {};
  const path = requiredString(requiredObject(input, 'tool_input'), 'file_path', 'tool_input.file_path');
  return render('BeforeTool', await decideEdits(event, [{ path, field: 'tool_input.file_path' }]));
}

/** Context reaches the model from SessionStart and AfterTool only; elsewhere only the user sees a message. */
function render(event: 'SessionStart' | 'BeforeTool' | 'AfterTool' | 'AfterAgent' | 'SessionEnd', verdict: Verdict): HookOutcome {
  const answer: Record<string, unknown> = {};
  if (verdict.deny !== undefined) Object.assign(answer, { decision: 'deny', reason: verdict.deny });
  else if (verdict.modelContext !== undefined && (event === 'SessionStart' || event === 'AfterTool'))
    answer.hookSpecificOutput = { hookEventName: event, additionalContext: verdict.modelContext };
  if (verdict.userMessage !== undefined) answer.systemMessage = verdict.userMessage;
  return Object.keys(answer).length === 0 ? {} : { exitCode: 0, stdout: `${JSON.stringify(answer)}\n` };
}
