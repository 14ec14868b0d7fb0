// UserPromptSubmit: the session is seen, and told the handoff messages waiting for it
// (lib/decisions/handoff.ts) before the model reads the prompt; a session that only reads files
// hears of them here.
import { promptSubmitted } from '../lib/decisions/handoff';
import { agentEvent } from './event';
import { answer } from './output';
import type { HookInput, HookOutcome } from './types';

export async function handle(input: HookInput): Promise<HookOutcome> {
  return answer('UserPromptSubmit', await promptSubmitted(agentEvent(input)));
}
