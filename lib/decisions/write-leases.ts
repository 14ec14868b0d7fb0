// The lease an agent takes on a file it is about to write, whichever tool writes it: an edit's file
// (edit.ts) and each file a shell command would write (shell-writes.ts) are leased with the same
// options, so that the two decide alike — shared inside an area the session shares, an expired
// lease standing while its live holder has the change pending, other branches' holds counted.
import type { AcquireOptions, AcquireResult } from '../core/acquire';
import type { Conflict } from '../core/lease-types';
import { hasPendingChange } from '../git/changes';
import type { HoldGit } from '../holds/git-facts';
import { changedThereContext, holdOptions } from './branch-hold-notes';
import type { EventContext } from './context';
import { sharedChangesContext } from './shared-edits';

/** The acquire options for the agent's write leases on exact files in `worktree`, and the git facts of its branch holds. */
export function writeLeaseOptions(context: EventContext, worktree: string, gitDir: string): { git: HoldGit; options: AcquireOptions } {
  const holds = holdOptions(context, worktree, gitDir);
  return {
    git: holds.git,
    options: {
      // Inside an area the session shares with others (claim --shared), its write is shared too.
      sharedInside: true,
      source: 'edit',
      exact: true,
      agentId: context.agentId,
      ttlMs: context.config.ttl.editMs,
      worktree,
      pendingChange: hasPendingChange,
      ...holds.options,
    },
  };
}

/**
 * What the agent is told of others' changes to the files it was just leased in `worktree`: another
 * branch's unmerged change (a hold noticed in warn mode, told with the new lease), and what the
 * sessions sharing a file changed in it (`sharers`). Null when there is nothing to tell.
 */
export function othersChangesContext(taken: AcquireResult, sharers: Conflict[], git: HoldGit, worktree: string): string | null {
  const parts = [
    taken.granted.length > 0 ? changedThereContext(taken.noticed, worktree, git.integration) : null,
    sharedChangesContext(sharers, git.integration, worktree),
  ].filter((part): part is string => part !== null);
  return parts.length === 0 ? null : parts.join('\n\n');
}
