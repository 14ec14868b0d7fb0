// SessionEnd: the session's end (lib/decisions/session-end.ts).
import { endAgentSession } from '../lib/decisions/session-end';
import { agentEvent } from './event';
import { optionalString } from './input';
import { answer } from './output';
import type { HookInput, HookOutcome } from './types';

export async function handle(input: HookInput): Promise<HookOutcome> {
  return answer('SessionEnd', await endAgentSession(agentEvent(input), optionalString(input, 'reason') ?? 'other'));
}
