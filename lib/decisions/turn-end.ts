// The end of an agent's turn (every turn): renews the session, releases its edit leases on files it
// no longer has uncommitted changes to (reverted, or committed and merged; committed and not merged:
// they pass to the branch as branch holds), renews those it still does, and
// brings the `.agent-locks/` view in line (once a turn, not on every tool call: it lists every live
// lease). It never blocks, so it can never keep the agent looping.
import { existsSync } from 'node:fs';
import { describeViewSync, syncView } from '../agent-locks/view';
import { VIEW_DIR } from '../agent-locks/view-files';
import { listLeases } from '../core/lease-queries';
import type { Lease } from '../core/lease-types';
import { release } from '../core/release';
import { renew } from '../core/renew';
import { pendingChanges } from '../git/changes';
import { describeError } from '../util/errors';
import { passEndingLeases } from '../holds/ending';
import { ensureSession, sessionContexts, withStore, type AgentEvent, type EventContext } from './context';
import { goAhead, type Verdict } from './verdict';

/** In every repository the session works in (its cwd's, and those it edited from outside them). */
export async function endTurn(event: AgentEvent): Promise<Verdict> {
  const warnings: string[] = [];
  for (const context of sessionContexts(event)) warnings.push(...(await endTurnIn(context)));
  return goAhead(warnings);
}

async function endTurnIn(context: EventContext): Promise<string[]> {
  const warnings = context.warnings;
  const result = await withStore(context, async (store) => {
    await ensureSession(store, context);
    // A running subagent's leases are its own until its SubagentStop hands them back: the main
    // thread's Stop comes while background subagents still work.
    const edits = (await listLeases(store, { sessionId: context.sessionId })).filter((lease) => lease.source === 'edit' && lease.agentId === null);
    // Git runs here, between transactions: each lease's change lives in the worktree it was edited in.
    const pending = pendingByWorktree(edits, context.repo.worktreeRoot, warnings);
    const isDone = (lease: Lease): boolean => pending.get(lease.worktree ?? context.repo.worktreeRoot)?.has(lease.pattern) === false;
    const done = edits.filter(isDone);
    const open = edits.filter((lease) => !isDone(lease));
    if (done.length > 0) {
      // A change committed and not merged passes to the branch; the rest is free again.
      const passed = await passEndingLeases(store, context.config, done, { verify: true, sessionWorktree: context.repo.worktreeRoot });
      warnings.push(...passed.notes);
      await release(store, context.sessionId, { tokens: done.map((lease) => lease.token), reason: 'no pending change at stop' });
    }
    if (open.length > 0) await renew(store, context.sessionId, { tokens: open.map((lease) => lease.token), ttlMs: context.config.ttl.editMs });
    try {
      warnings.push(
        ...describeViewSync(await syncView(store, context.repo.commonDir, { storePath: context.storePath, claimTtlMs: context.config.ttl.claimMs })),
      );
    } catch (error) {
      warnings.push(`agent-lease: could not update ${VIEW_DIR}/: ${describeError(error)}`);
    }
    // Once a turn, not per tool call: what the turn's hooks left in the WAL goes into the main file.
    await store.persist();
  });
  if (!result.ok) warnings.push(`${result.problem}; this session's leases were neither renewed nor released`);
  return warnings;
}

/** The pending changes of each worktree the leases were edited in; a worktree git cannot read keeps its leases. */
function pendingByWorktree(leases: Lease[], sessionWorktree: string, warnings: string[]): Map<string, Set<string>> {
  const pending = new Map<string, Set<string>>();
  for (const worktree of new Set(leases.map((lease) => lease.worktree ?? sessionWorktree))) {
    // A removed worktree (claude -w's "Remove worktree") has no changes left: its leases end.
    if (!existsSync(worktree)) {
      pending.set(worktree, new Set());
      continue;
    }
    try {
      pending.set(worktree, pendingChanges(worktree));
    } catch (error) {
      warnings.push(
        `agent-lease: could not list the worktree's pending changes in ${worktree} (${describeError(error)}); this session's edit leases were kept`,
      );
    }
  }
  return pending;
}
