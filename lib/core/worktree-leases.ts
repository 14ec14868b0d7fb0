// Leases on changes that lived in a worktree that is being removed (Claude Code's WorktreeRemove,
// sent for worktrees a WorktreeCreate hook made). Worktrees that are simply gone are noticed
// wherever their leases are met (reclaim.ts: worktreeRemoved).
import { recordEvent } from './events';
import { all, run, type Store } from './store';

/** Releases the edit leases whose change lives in `worktree`; returns how many. */
export function releaseWorktreeLeases(store: Store, worktree: string, actor: string | null): Promise<number> {
  return store.write(function* () {
    const rows = yield* all<{ token: number; session_id: string; pattern: string }>(
      "SELECT token, session_id, pattern FROM leases WHERE released_at IS NULL AND source = 'edit' AND worktree = ?",
      worktree,
    );
    const now = store.now();
    for (const row of rows) {
      yield* run("UPDATE leases SET released_at = ?, release_reason = 'worktree-removed' WHERE token = ?", now, row.token);
      yield* recordEvent(store, {
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
