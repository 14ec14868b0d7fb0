// A session's end: releases every lease of the session and marks it ended. Clients do not always
// report it (a crash, a kill), so liveness and TTLs remain the real cleanup; this is the fast path.
import { endSession } from '../core/sessions';
import { eventContext, withStore, type AgentEvent } from './context';
import type { Verdict } from './verdict';

export function endAgentSession(event: AgentEvent, reason: string): Verdict {
  const context = eventContext(event);
  if (context === null) return {};
  const result = withStore(context, (store) => {
    endSession(store, context.sessionId, `session-end (${reason})`);
    // Not per tool call: what the session's hooks left in the WAL goes into the main file.
    store.checkpoint();
  });
  if (!result.ok) return { userMessage: `${result.problem}; this session's leases stay until they expire` };
  return {};
}
