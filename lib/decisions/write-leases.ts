// The lease an agent takes on a file it is about to write, whichever tool writes it: an edit's file
// (edit.ts) and each file a shell command would write (shell-writes.ts) are leased with the same
// options, so that the two decide alike — shared inside an area the session shares, an expired
// lease standing while its live holder has the change pending, other branches' holds counted.
import type { AcquireOptions } from '../core/acquire';
import { hasPendingChange } from '../git/changes';
import type { HoldGit } from '../holds/git-facts';
import { holdOptions } from './branch-hold-notes';
import type { EventContext } from './context';

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
