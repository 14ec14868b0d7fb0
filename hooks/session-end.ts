// SessionEnd: the session's end (lib/decisions/session-end.ts).
import { endAgentSession } from '../lib/decisions/session-end';
import { agentEvent } from './event';
import { optionalString } from './input';
import { answer } from './output';
import type { HookInput, HookOutcome } from './types';

export function handle(input: HookInput): HookOutcome {
  return answer('SessionEnd', endAgentSession(agentEvent(input), optionalString(input, 'reason') ?? 'other'));
}
