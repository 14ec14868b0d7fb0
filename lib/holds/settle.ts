// Ending the branch holds git shows are over: their change is in the integration branch, or their
// branch is gone. Run where git may be asked at leisure (gc, the post-merge hook, the commands
// that show holds), one git question per branch for all its files.
import { endHolds, liveHolds, type HoldRow } from '../core/branch-holds';
import type { Store } from '../core/store';
import type { Config } from '../config/load';
import { changeIn } from '../git/integration';
import { holdGit } from './git-facts';

export interface SettleResult {
  integrated: number;
  deleted: number;
}

/**
 * Ends the live holds whose change git (seen from `worktree`) shows integrated, or whose branch is
 * deleted. A hold whose commit this clone lacks (made in another clone, not fetched) is left to
 * stand: only a clone that has the commit can tell.
 */
export async function settleHolds(store: Store, worktree: string, config: Config, actor: string | null): Promise<SettleResult> {
  const result: SettleResult = { integrated: 0, deleted: 0 };
  const holds = await liveHolds(store);
  if (holds.length === 0) return result;
  const facts = holdGit(worktree, config);
  const bySource = new Map<string, HoldRow[]>();
  for (const hold of holds) {
    const source = facts.source({ branch: hold.branch, commit: hold.commit_id });
    if (source === 'unknown') continue;
    const key = source === 'deleted' ? '' : source.rev;
    bySource.set(key, [...(bySource.get(key) ?? []), hold]);
  }
  const into = facts.integration();
  for (const [rev, rows] of bySource) {
    let integrated: Set<string> | null;
    try {
      integrated = rev === '' ? null : into === null ? new Set() : changeIn(worktree, rev, into, [...new Set(rows.map((row) => row.path))]);
    } catch {
      continue;
    }
    if (integrated === null) {
      result.deleted += await endHolds(store, tokensOf(rows), 'branch deleted', actor);
      continue;
    }
    const done = rows.filter((row) => integrated.has(row.path));
    if (done.length > 0) result.integrated += await endHolds(store, tokensOf(done), 'integrated', actor);
  }
  return result;
}

function tokensOf(rows: HoldRow[]): number[] {
  return rows.map((row) => row.token);
}
