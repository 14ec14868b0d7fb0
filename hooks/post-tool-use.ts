// PostToolUse (and PostToolUseFailure) for Bash: what the command changed
// (lib/decisions/shell-changes.ts), and the handoff messages waiting for the session.
import { withHandoffs } from '../lib/decisions/handoff';
import { afterShellCommand } from '../lib/decisions/shell-changes';
import { agentEvent } from './event';
import { optionalNumber, optionalString, requiredString } from './input';
import { answer } from './output';
import type { HookInput, HookOutcome } from './types';

export async function handle(input: HookInput): Promise<HookOutcome> {
  if (requiredString(input, 'tool_name') !== 'Bash') return {};
  const event = optionalString(input, 'hook_event_name') === 'PostToolUseFailure' ? 'PostToolUseFailure' : 'PostToolUse';
  return answer(event, await withHandoffs(agentEvent(input), await afterShellCommand(agentEvent(input), { durationMs: optionalNumber(input, 'duration_ms') })));
}
