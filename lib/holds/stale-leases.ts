// Leases whose holder can no longer speak for them (expired, holder gone, worktree removed) pass
// their committed, unmerged change to its branch, as an edit meeting them would: for the commands
// that may ask git at leisure (gc, and status, who and check, so that they show what an edit would
// be told).
import { staleLeases } from '../core/lease-queries';
import type { Store } from '../core/store';
import type { Config } from '../config/load';
import { passEndingLeases } from './ending';

/** How many branch holds the stale leases became; git is asked from `from`, a worktree that exists. */
export async function passStaleLeases(store: Store, config: Config, options: { from: string; actor: string | null }): Promise<number> {
  const stale = (await staleLeases(store))
    .map((lease) => ({ ...lease, worktree: lease.worktree ?? lease.holder.worktree }))
    .filter((lease) => lease.worktree !== null);
  if (stale.length === 0) return 0;
  return (await passEndingLeases(store, config, stale, { verify: true, sessionWorktree: options.from, actor: options.actor })).held.length;
}
