// What an agent is told when what stops it is another agent of its own session: a sibling
// subagent, or (to the main thread) a subagent it started that still runs. See core/agents.ts.
import type { Conflict } from '../core/lease-types';
import { dataWord } from '../util/text';
import type { EventContext } from './context';

/** The agents of the asking session whose leases are in the way, each once. */
function agentsInTheWay(context: EventContext, conflicts: Conflict[]): string[] {
  const ids = conflicts.filter(({ held }) => held.sessionId === context.sessionId && held.agentId !== null).map(({ held }) => held.agentId!);
  return [...new Set(ids)];
}

/** Who holds it, for a denial's first line, when it is an agent of the asking session; else null. */
export function withinSessionHolder(context: EventContext, conflicts: Conflict[]): string | null {
  const agents = agentsInTheWay(context, conflicts);
  if (agents.length === 0 || conflicts.some(({ held }) => held.sessionId !== context.sessionId)) return null;
  const named = agents.map((id) => `subagent ${dataWord(id)}`).join(', ');
  return context.agentId === null ? `${named}, which this session started and which is still running` : `${named}, a sibling of yours in this session`;
}

/** What to do about a lease of another agent of the session; null when none is in the way. */
export function withinSessionAdvice(context: EventContext, conflicts: Conflict[]): string | null {
  const agents = agentsInTheWay(context, conflicts);
  if (agents.length === 0) return null;
  const named = agents.map((id) => `subagent ${dataWord(id)}`).join(', ');
  if (context.agentId === null) {
    return `${named} of this session holds it while it works: its leases come back to you when it stops. Wait for its result, or work on other files meanwhile.`;
  }
  return (
    `${named} is another subagent of your session working on it. Do the parts of your task that do not need it, ` +
    'and say in your final report which file you could not change and why: the main thread that started you both can coordinate.'
  );
}
