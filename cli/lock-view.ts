// After a command changed leases: bring `.agent-locks/` in line with the store, and say what
// became of the files people dropped there. A view that cannot be written is a warning, never a
// failure of the command that changed the leases.
import { describeError } from '../lib/util/errors';
import { LOCKS_DIR, syncLockFiles } from '../lib/agent-locks/view';
import type { CommandContext } from './context';
import { writeErr } from './output';

export function refreshLockView(context: CommandContext): void {
  try {
    const result = syncLockFiles(context.store(), context.repo.commonDir, { claimTtlMs: context.config.ttl.claimMs });
    for (const taken of result.imported) {
      writeErr(`agent-lease: took ${taken.file} as a claim by ${taken.session} on ${taken.patterns.join(', ')}`);
    }
    for (const refused of result.refused) {
      writeErr(`agent-lease: did not take ${refused.file} as a claim: ${refused.reason} (kept as ${refused.file}.refused)`);
    }
  } catch (error) {
    writeErr(`agent-lease: could not update ${LOCKS_DIR}/: ${describeError(error)}`);
  }
}
