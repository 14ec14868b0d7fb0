// After a command changed leases: bring `.agent-locks/` in line with the store, and say what
// became of the files people dropped there. A view that cannot be written is a warning, never a
// failure of the command that changed the leases.
import { describeViewSync, syncView } from '../lib/agent-locks/view';
import { VIEW_DIR } from '../lib/agent-locks/view-files';
import { describeError } from '../lib/util/errors';
import type { CommandContext } from './context';
import { writeErr } from './output';

export function refreshView(context: CommandContext): void {
  try {
    for (const line of describeViewSync(syncView(context.store(), context.repo.commonDir, { claimTtlMs: context.config.ttl.claimMs }))) writeErr(line);
  } catch (error) {
    writeErr(`agent-lease: could not update ${VIEW_DIR}/: ${describeError(error)}`);
  }
}
