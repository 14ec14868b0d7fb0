// SubagentStop: a subagent ends and hands its leases back (lib/decisions/subagent-stop.ts).
import { stopSubagent } from '../lib/decisions/subagent-stop';
import { agentEvent } from './event';
import { requiredString } from './input';
import { answer } from './output';
import type { HookInput, HookOutcome } from './types';

export async function handle(input: HookInput): Promise<HookOutcome> {
  return answer('SubagentStop', await stopSubagent({ ...agentEvent(input), agentId: requiredString(input, 'agent_id') }));
}
