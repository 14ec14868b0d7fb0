// A Claude Code hook input as the event the decisions take.
import type { AgentEvent } from '../lib/decisions/context';
import { optionalString, requiredString } from './input';
import type { HookInput } from './types';

export function agentEvent(input: HookInput): AgentEvent {
  return {
    sessionId: requiredString(input, 'session_id'),
    agentId: optionalString(input, 'agent_id'),
    cwd: optionalString(input, 'cwd'),
    runtime: 'claude-code',
  };
}
