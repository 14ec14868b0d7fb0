// SubagentStart: a subagent of the session begins (lib/decisions/subagent-start.ts).
import { startSubagent } from '../lib/decisions/subagent-start';
import { agentEvent } from './event';
import { optionalString, requiredString } from './input';
import { answer } from './output';
import type { HookInput, HookOutcome } from './types';

export async function handle(input: HookInput): Promise<HookOutcome> {
  const event = { ...agentEvent(input), agentId: requiredString(input, 'agent_id') };
  return answer('SubagentStart', await startSubagent(event, optionalString(input, 'agent_type') ?? null));
}
