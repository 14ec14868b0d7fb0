// A session's end: releases every lease of the session and marks it ended — except when the same
// agent process goes on under another id (Claude Code's /clear and resume send SessionEnd before
// the SessionStart of the next id): then the session hands over, keeping its leases for that
// SessionStart to carry over. Clients do not always report an end (a crash, a kill), so liveness
// and TTLs remain the real cleanup; this is the fast path.
import { handOverSession } from '../core/sessions';
import { endSessionHolding } from '../holds/session-ending';
import { sessionContexts, withStore, type AgentEvent } from './context';
import { forgetWorktrees } from './session-worktrees';
import type { Verdict } from './verdict';

/** Files looked at for branch holds at SessionEnd; the rest are left to the next decision that meets their lease. */
const END_FILES = 50;

/** Reasons after which Claude Code's same process continues under a new session id. */
const HANDOVER_REASONS = new Set(['clear', 'resume']);

/** In every repository the session works in (its cwd's, and those it edited from outside them). */
export async function endAgentSession(event: AgentEvent, reason: string): Promise<Verdict> {
  const handover = HANDOVER_REASONS.has(reason);
  const problems: string[] = [];
  for (const context of sessionContexts(event)) {
    const result = await withStore(context, async (store) => {
      if (handover) await handOverSession(store, context.sessionId, reason);
      // Under SessionEnd's short budget: a few files, judged by the fork point alone (one git
      // call, no check for a squash merge: a hold that proves integrated is ended by the next
      // decision that meets it).
      else
        await endSessionHolding(store, context.config, context.sessionId, `session-end (${reason})`, {
          verify: false,
          from: context.repo.worktreeRoot,
          actor: null,
          limit: END_FILES,
        });
      // Not per tool call: what the session's hooks left in the WAL goes into the main file.
      await store.persist();
    });
    if (!result.ok) problems.push(`${result.problem}; this session's leases stay until they expire`);
  }
  if (!handover) {
    try {
      forgetWorktrees(event.sessionId);
    } catch {
      // A note left behind only makes a later session of that id look in one more worktree.
    }
  }
  return problems.length === 0 ? {} : { userMessage: problems.join('\n') };
}
