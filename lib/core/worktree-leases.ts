// Leases on changes that lived in a worktree that is being removed (Claude Code's WorktreeRemove,
// sent for worktrees a WorktreeCreate hook made). Worktrees that are simply gone are noticed
// wherever their leases are met (reclaim.ts: worktreeRemoved).
import { recordEvent } from './events';
import type { Store } from './store';

/** Releases the edit leases whose change lives in `worktree`; returns how many. */
export function releaseWorktreeLeases(store: Store, worktree: string, actor: string | null): number {
  return store.write(() => {
    const rows = store
      .statement("SELECT token, session_id, pattern FROM leases WHERE released_at IS NULL AND source = 'edit' AND worktree = ?")
      .all(worktree) as Array<{ token: number; session_id: string; pattern: string }>;
    const now = store.now();
    const release = store.statement("UPDATE leases SET released_at = ?, release_reason = 'worktree-removed' WHERE token = ?");
    for (const row of rows) {
      release.run(now, row.token);
      recordEvent(store, {
        kind: 'takeover',
        sessionId: row.session_id,
        actor,
        token: row.token,
        pattern: row.pattern,
        detail: { reason: 'worktree-removed', worktree },
      });
    }
    return rows.length;
  });
}
