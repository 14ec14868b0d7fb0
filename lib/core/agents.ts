// Agents within a session. Claude Code runs subagents inside one session (same session_id, same
// process, same cwd), each with its own agent_id, so a lease's holder is the session *and* the
// agent within it: the main thread (agent null) or a subagent. Other sessions see only the
// session. Within it: sibling subagents conflict; a subagent may take what the main thread holds
// (it was delegated the work) and keeps it until its SubagentStop hands it back; the main thread
// is denied what a running subagent of its own holds.
import { recordEvent } from './events';
import type { LeaseRow } from './lease-rows';
import { run, type Body, type Store } from './store';

export interface Holder {
  sessionId: string;
  /** A subagent's id; null: the session's main thread (or a holder that has no agents). */
  agentId: string | null;
}

/**
 * How a lease stands to the holder asking: its `own`; the main thread's, which a subagent asking
 * may take (`delegated`); another agent's of the same session (`within`: a sibling, or a subagent
 * while the main thread asks); or another session's (`other`).
 */
export type Standing = 'own' | 'delegated' | 'within' | 'other';

export function standingOf(holder: Holder, row: Pick<LeaseRow, 'session_id' | 'agent_id'>): Standing {
  if (row.session_id !== holder.sessionId) return 'other';
  const agent = row.agent_id ?? null;
  if (agent === holder.agentId) return 'own';
  return agent === null ? 'delegated' : 'within';
}

/** Moves a lease of the session to another of its agents (a subagent taking it, or a hand-back), logged. */
export function* moveLease(store: Store, row: LeaseRow, to: string | null, reason: string): Body<void> {
  yield* run('UPDATE leases SET agent_id = ? WHERE token = ?', to, row.token);
  yield* recordEvent(store, {
    kind: 'delegate',
    sessionId: row.session_id,
    token: row.token,
    pattern: row.pattern,
    detail: { from: row.agent_id ?? null, to, reason },
  });
  row.agent_id = to;
}

/** A subagent began (SubagentStart): logged, so that `log` shows who worked in the session. */
export function recordAgentStart(store: Store, holder: Holder & { agentId: string }, agentType: string | null): Promise<void> {
  return store.write(() => recordEvent(store, { kind: 'agent-start', sessionId: holder.sessionId, detail: { agent: holder.agentId, type: agentType } }));
}

/**
 * A subagent ended (SubagentStop): its leases go back to the main thread, whose work it was and
 * which still has the changes pending (the main thread's turn end decides about them as about its
 * own). Returns how many were handed back.
 */
export function handBackLeases(store: Store, holder: Holder & { agentId: string }): Promise<number> {
  return store.write(function* () {
    const handed = (yield* run(
      'UPDATE leases SET agent_id = NULL WHERE session_id = ? AND agent_id = ? AND released_at IS NULL',
      holder.sessionId,
      holder.agentId,
    )).changes;
    yield* recordEvent(store, { kind: 'agent-stop', sessionId: holder.sessionId, detail: { agent: holder.agentId, handedBack: handed } });
    return handed;
  });
}
