// The store as the commands that show branch holds read it: stale leases' committed, unmerged
// changes passed to their branch, and holds git shows merged, or whose branch is gone, ended
// first (commands may ask git at leisure; hooks ask only when a hold is in the way), so that they
// show what an edit would be told.
import type { Store } from '../lib/core/store';
import { passStaleLeases } from '../lib/holds/stale-leases';
import { settleHolds } from '../lib/holds/settle';
import type { CommandContext } from './context';
import { sessionIdentity } from './context';

/** The existing store (null when there is none), its stale leases passed to branches and its finished branch holds ended. */
export async function settledStore(context: CommandContext): Promise<Store | null> {
  const store = context.existingStore();
  if (store === null) return null;
  const actor = sessionIdentity({}).id;
  await passStaleLeases(store, context.config, { from: context.repo.worktreeRoot, actor });
  await settleHolds(store, context.repo.worktreeRoot, context.config, actor);
  return store;
}
