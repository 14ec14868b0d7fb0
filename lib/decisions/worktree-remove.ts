// A worktree being removed (Claude Code's WorktreeRemove, which it sends only for worktrees a
// WorktreeCreate hook made, not for its own `claude -w` ones): the edit leases on changes that
// lived there end, as the changes do — except those whose change is committed on the worktree's
// branch and not merged: the branch outlives the directory, so they pass to it as branch holds.
// Sessions there end through SessionEnd and liveness.
import { realpathSync } from 'node:fs';
import { listLeases } from '../core/lease-queries';
import { releaseWorktreeLeases } from '../core/worktree-leases';
import { passEndingLeases } from '../holds/ending';
import { eventContext, withStore, type AgentEvent } from './context';
import type { Verdict } from './verdict';

export async function removeWorktree(event: AgentEvent, worktreePath: string): Promise<Verdict> {
  const context = eventContext(event);
  if (context === null) return {};
  const worktree = realPath(worktreePath);
  const result = await withStore(context, async (store) => {
    const there = (await listLeases(store, { includeInactive: true })).filter((lease) => lease.releasedAt === null && lease.worktree === worktree);
    await passEndingLeases(store, context.config, there, { verify: true, sessionWorktree: context.repo.worktreeRoot, actor: context.sessionId });
    return await releaseWorktreeLeases(store, worktree, context.sessionId);
  });
  if (!result.ok) return { userMessage: `${result.problem}; the leases of the removed worktree ${worktreePath} stay until they expire` };
  return context.warnings.length > 0 ? { userMessage: context.warnings.join('\n') } : {};
}

/** Leases record worktrees with symlinks resolved; a path already gone is taken as given. */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
