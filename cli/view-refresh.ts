// After a command changed leases: bring `.agent-locks/` in line with the store, and say what
// became of the files people dropped there. A view that cannot be written is a warning, never a
// failure of the command that changed the leases.
import { describeViewSync, syncView } from '../lib/agent-locks/view';
import { VIEW_DIR } from '../lib/agent-locks/view-files';
import { describeError } from '../lib/util/errors';
import type { CommandContext } from './context';
import { writeErr } from './output';

export async function refreshView(context: CommandContext): Promise<void> {
  try {
    const options = { storePath: context.storePath, claimTtlMs: context.config.ttl.claimMs };
    for (const line of describeViewSync(await syncView(context.store(), context.repo.commonDir, options))) writeErr(line);
  } catch (error) {
    writeErr(`agent-lease: could not update ${VIEW_DIR}/: ${describeError(error)}`);
  }
}
