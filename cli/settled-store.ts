// The store as the commands that show branch holds read it: holds git shows merged, or whose
// branch is gone, ended first (commands may ask git at leisure; hooks ask only when a hold is in
// the way).
import type { Store } from '../lib/core/store';
import { settleHolds } from '../lib/holds/settle';
import type { CommandContext } from './context';
import { sessionIdentity } from './context';

/** The existing store (null when there is none), its finished branch holds ended. */
export async function settledStore(context: CommandContext): Promise<Store | null> {
  const store = context.existingStore();
  if (store !== null) await settleHolds(store, context.repo.worktreeRoot, context.config, sessionIdentity({}).id);
  return store;
}
