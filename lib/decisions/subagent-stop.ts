// A subagent's end (Claude Code's SubagentStop): its leases go back to the session's main thread,
// which still has the changes pending (core/agents.ts). /compact also sends SubagentStop, for
// agents that never started: they hold nothing, and nothing happens.
import { handBackLeases } from '../core/agents';
import { eventContext, withStore, type AgentEvent } from './context';
import type { Verdict } from './verdict';

export async function stopSubagent(event: AgentEvent & { agentId: string }): Promise<Verdict> {
  const context = eventContext(event);
  if (context === null) return {};
  const result = await withStore(context, async (store) => await handBackLeases(store, { sessionId: context.sessionId, agentId: event.agentId }));
  if (!result.ok) return { userMessage: `${result.problem}; subagent ${event.agentId}'s leases stay its own until they expire` };
  return context.warnings.length > 0 ? { userMessage: context.warnings.join('\n') } : {};
}
