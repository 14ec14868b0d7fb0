// OpenCode's adapter (`agent-lease hook opencode <event>`), run by the plugin `init --for opencode`
// writes (lib/clients/opencode.ts), which hands each event over as JSON: `session_id`, `cwd`,
// and for a tool its OpenCode name and arguments (`edit`/`write` with `filePath`, `apply_patch`
// with `patchText`, `bash` with `command`). The answer is `{"deny": reason}`, which the plugin
// throws (OpenCode refuses the tool call with it), and `{"message": …}` for the user.
import type { Verdict } from '../lib/decisions/verdict';
import { applyPatchFiles } from '../lib/shell/patch-files';
import { afterShell, beforeShell, clientEvent, handler, decideEdits, turnEnd } from './client-events';
import { requiredObject, requiredString } from './input';
import type { Handler } from './run';
import type { HookInput, HookOutcome } from './types';

const RUNTIME = 'opencode';

export const HANDLERS: Record<string, () => Handler> = {
  'tool-before': handler(toolBefore),
  'tool-after': handler(async (input) => (requiredString(input, 'tool_name') === 'bash' ? render(await afterShell(clientEvent(input, RUNTIME))) : {})),
  'session-idle': handler(async (input) => render(await turnEnd(clientEvent(input, RUNTIME)))),
};

async function toolBefore(input: HookInput): Promise<HookOutcome> {
  const tool = requiredString(input, 'tool_name');
  const event = clientEvent(input, RUNTIME);
  if (tool === 'bash') return render(await beforeShell(event, requiredString(requiredObject(input, 'tool_input'), 'command', 'tool_input.command')));
  if (tool === 'edit' || tool === 'write') {
    return render(await decideEdits(event, [{ path: requiredString(requiredObject(input, 'tool_input'), 'filePath', 'filePath'), field: 'filePath' }]));
  }
  if (tool === 'apply_patch' || tool === 'patch') {
    const patch = requiredString(requiredObject(input, 'tool_input'), 'patchText', 'patchText');
    return render(
      await decideEdits(
        event,
        applyPatchFiles(patch).map((file) => ({ path: file.path, field: 'the patch' })),
      ),
    );
  }
  return {};
}

function render(verdict: Verdict): HookOutcome {
  const answer = { deny: verdict.deny, message: verdict.userMessage };
  return answer.deny === undefined && answer.message === undefined ? {} : { exitCode: 0, stdout: `${JSON.stringify(answer)}\n` };
}
