// PreToolUse for Write, Edit, NotebookEdit (and the legacy MultiEdit): the edit decision
// (lib/decisions/edit.ts) for the file the tool would write. For Bash: the files the command would
// write (lib/decisions/shell-writes.ts, loaded with its shell parser for Bash calls only). No
// conflict, no output: the user's own permission rules decide as usual. Handoff messages waiting
// for the session ride along (lib/decisions/handoff.ts).
import { decideEditIn, editContext } from '../lib/decisions/edit';
import { noteCodePath } from './code-paths';
import { withHandoffs, withHandoffsIn } from '../lib/decisions/handoff';
import { agentEvent } from './event';
import { requiredObject, requiredString } from './input';
import { answer } from './output';
import type { HookInput, HookOutcome } from './types';

const PATH_FIELD: Record<string, string> = {
  Write: 'file_path',
  Edit: 'file_path',
  MultiEdit: 'file_path',
  NotebookEdit: 'notebook_path',
};

export async function handle(input: HookInput): Promise<HookOutcome> {
  const toolName = requiredString(input, 'tool_name');
  if (toolName === 'Bash') {
    const command = requiredString(requiredObject(input, 'tool_input'), 'command', 'tool_input.command');
    noteCodePath('bash');
    const { beforeShellCommand } = require('../lib/decisions/shell-writes') as typeof import('../lib/decisions/shell-writes');
    return answer('PreToolUse', await withHandoffs(agentEvent(input), await beforeShellCommand(agentEvent(input), command)));
  }
  if (!Object.hasOwn(PATH_FIELD, toolName)) return {};
  const field = PATH_FIELD[toolName]!;
  const file = requiredString(requiredObject(input, 'tool_input'), field, `tool_input.${field}`);
  // One context for the decision and the messages: the repository is located once a call.
  const context = editContext(agentEvent(input), file);
  return answer('PreToolUse', await withHandoffsIn(context, await decideEditIn(context, file, `tool_input.${field}`)));
}
