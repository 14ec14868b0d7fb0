// Stop (the end of every turn): the turn-end decision (lib/decisions/turn-end.ts). It never blocks
// the stop, so it can never keep the agent looping (`stop_hook_active`).
import { endTurn } from '../lib/decisions/turn-end';
import { agentEvent } from './event';
import { answer } from './output';
import type { HookInput, HookOutcome } from './types';

export async function handle(input: HookInput): Promise<HookOutcome> {
  return answer('Stop', await endTurn(agentEvent(input)));
}
