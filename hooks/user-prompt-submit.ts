// UserPromptSubmit: the handoff messages waiting for the session (lib/decisions/handoff.ts), told
// before the model reads the prompt; a session that only reads files hears of them here.
import { withHandoffs } from '../lib/decisions/handoff';
import { agentEvent } from './event';
import { answer } from './output';
import type { HookInput, HookOutcome } from './types';

export function handle(input: HookInput): HookOutcome {
  return answer('UserPromptSubmit', withHandoffs(agentEvent(input), {}));
}
