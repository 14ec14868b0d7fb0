// Leases whose holder can no longer speak for them: expired, or held by a session whose agent
// process is gone. Anyone who meets one may reclaim it, inside the transaction that met it.
import { existsSync } from 'node:fs';
import { recordEvent } from './events';
import { onThisHost } from './host';
import { holderAlive, type JoinedRow, type Liveness } from './lease-rows';
import { run, type Body, type Store } from './store';

/**
 * Whether the worktree an edit lease's change lived in is gone (`git worktree remove`, Claude
 * Code's "Remove worktree" at the end of a `claude -w` session, an unchanged isolation worktree
 * cleaned up): the change went with it. Claude Code sends no WorktreeRemove for its own worktrees,
 * so this is noticed whenever such a lease is met. Claims are about an area, not a change: kept.
 * (A committed, unmerged change whose branch stays passes to the branch first: acquire.ts.)
 */
export function worktreeRemoved(row: Pick<JoinedRow, 'source' | 'worktree' | 's_host' | 's_host_id'>): boolean {
  // Another host's path says nothing here (team mode).
  return (
    row.source === 'edit' &&
    row.worktree !== null &&
    (row.s_host === null || onThisHost({ host: row.s_host, host_id: row.s_host_id })) &&
    !existsSync(row.worktree)
  );
}

export type StaleReason = 'expired' | 'holder-dead' | 'holder-ended' | 'worktree-removed';

/** Why `row`'s holder can no longer speak for it, or null while it can. */
export function staleReason(row: JoinedRow, now: number, liveness: Liveness): StaleReason | null {
  if (row.expires_at <= now) return 'expired';
  if (!holderAlive(row, liveness)) return row.s_ended_at === null ? 'holder-dead' : 'holder-ended';
  return worktreeRemoved(row) ? 'worktree-removed' : null;
}

/**
 * Releases a lease that has expired, whose holder is gone, or whose worktree is gone; true when it did. A lease due to
 * expire further ahead than its own TTL means the clock went back: its expiry is brought within
 * one TTL of now, so that no lease outlives a clock jump by more than its TTL.
 */
export function* reclaimIfStale(store: Store, row: JoinedRow, now: number, liveness: Liveness, actor: string | null): Body<boolean> {
  if (row.expires_at - now > row.ttl_ms) {
    row.expires_at = now + row.ttl_ms;
    yield* run('UPDATE leases SET expires_at = ? WHERE token = ?', row.expires_at, row.token);
  }
  const reason = staleReason(row, now, liveness);
  if (reason === null) return false;
  const kind = reason === 'expired' ? 'expire' : 'takeover';
  yield* run('UPDATE leases SET released_at = ?, release_reason = ? WHERE token = ?', now, reason, row.token);
  yield* recordEvent(store, { kind, sessionId: row.session_id, actor, token: row.token, pattern: row.pattern, detail: { reason } });
  return true;
}
