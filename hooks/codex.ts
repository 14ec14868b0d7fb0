// Codex CLI's adapter (`agent-lease hook codex <event>`, from the project's .codex/hooks.json).
// Codex sends Claude-shaped events and honours Claude Code's answers (hooks/output.ts): a deny
// as `permissionDecision: "deny"`, context as `additionalContext`. Its edits are `apply_patch`
// calls whose patch (`tool_input.command`) names every file; its shell tool is called `Bash`.
import { applyPatchFiles } from '../lib/shell/patch-files';
import { afterShell, beforeShell, clientEvent, handler, decideEdits, sessionEnd, sessionStart, turnEnd } from './client-events';
import { requiredObject, requiredString } from './input';
import { answer } from './output';
import type { Handler } from './run';
import type { HookInput, HookOutcome } from './types';

const RUNTIME = 'codex';

export const HANDLERS: Record<string, () => Handler> = {
  'session-start': handler(async (input) => answer('SessionStart', await sessionStart(clientEvent(input, RUNTIME), input))),
  'pre-tool-use': handler(preToolUse),
  'post-tool-use': handler(async (input) =>
    requiredString(input, 'tool_name') === 'Bash' ? answer('PostToolUse', await afterShell(clientEvent(input, RUNTIME))) : {},
  ),
  stop: handler(async (input) => answer('Stop', await turnEnd(clientEvent(input, RUNTIME)))),
  'session-end': handler(async (input) => answer('SessionEnd', await sessionEnd(clientEvent(input, RUNTIME), input))),
};

async function preToolUse(input: HookInput): Promise<HookOutcome> {
  const tool = requiredString(input, 'tool_name');
  if (tool !== 'apply_patch' && tool !== 'Bash') return {};
  const command = requiredString(requiredObject(input, 'tool_input'), 'command', 'tool_input.command');
  const event = clientEvent(input, RUNTIME);
  if (tool === 'Bash') return answer('PreToolUse', await beforeShell(event, command));
  const files = applyPatchFiles(command).map((file) => ({ path: file.path, field: 'the patch' }));
  return answer('PreToolUse', await decideEdits(event, files));
}
