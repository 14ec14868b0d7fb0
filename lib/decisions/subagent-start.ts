// A subagent's start (Claude Code's SubagentStart): registers it within its session (the session
// itself too, when no SessionStart was seen) and briefs it as SessionStart briefs a session: what
// other sessions hold, and what its siblings (the session's other running subagents) hold.
import { recordAgentStart } from '../core/agents';
import { listLeases, liveLeaseSummary } from '../core/lease-queries';
import type { HeldLease } from '../core/lease-types';
import { dataWord } from '../util/text';
import { ensureSession, eventContext, withStore, type AgentEvent } from './context';
import type { Verdict } from './verdict';
import { leaseLines } from './wording';

const MAX_LEASE_LINES = 20;

export async function startSubagent(event: AgentEvent & { agentId: string }, agentType: string | null): Promise<Verdict> {
  const context = eventContext(event);
  if (context === null) return {};
  const result = await withStore(context, async (store) => {
    await ensureSession(store, context);
    await recordAgentStart(store, { sessionId: context.sessionId, agentId: event.agentId }, agentType);
    const others = await liveLeaseSummary(store, { exceptSession: context.sessionId, limit: MAX_LEASE_LINES });
    const siblings = (await listLeases(store, { sessionId: context.sessionId })).filter((lease) => lease.agentId !== null && lease.agentId !== event.agentId);
    return { others, siblings };
  });
  if (!result.ok) return { userMessage: `${result.problem}; files are NOT being leased for subagent ${event.agentId}` };
  return { modelContext: briefing(event.agentId, result.value), ...(context.warnings.length > 0 ? { userMessage: context.warnings.join('\n') } : {}) };
}

function briefing(agentId: string, state: { others: { leases: HeldLease[]; total: number }; siblings: HeldLease[] }): string {
  const now = Date.now();
  const lines = [
    `agent-lease coordinates the agents working on this repository. Before each file edit a hook leases the file to you (subagent ${dataWord(agentId)} of this session); ` +
      'an edit to a file another session or a sibling subagent holds is denied. Files the main thread holds are yours to edit: the first subagent to edit one keeps it until it finishes.',
  ];
  if (state.siblings.length > 0) {
    lines.push(
      'Files your sibling subagents hold now (leave them to them; the main thread coordinates):',
      ...leaseLines(state.siblings, state.siblings.length, now),
    );
  }
  if (state.others.total === 0) lines.push('No other session holds any file right now.');
  else lines.push('Files other sessions hold now (do not edit these):', ...leaseLines(state.others.leases, state.others.total, now));
  return lines.join('\n');
}
