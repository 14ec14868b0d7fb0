// How hooks list other sessions' leases to a model.
import { describeHeldLease } from '../core/lease-wording';
import type { Conflict, HeldLease } from '../core/lease-types';
import { dataWord } from '../util/text';

/** One line per lease shown, then how many more of `total` there are. */
export function leaseLines(shown: HeldLease[], total: number, now: number): string[] {
  const lines = shown.map((lease) => `- ${describeHeldLease(lease, now)}`);
  if (total > shown.length) lines.push(`- … and ${total - shown.length} more (run \`agent-lease status\` for all of them)`);
  return lines;
}

/** One line per conflict; names the wider lease when it is not on the path itself. */
export function conflictLines(conflicts: Conflict[], now: number): string[] {
  return conflicts.map(({ pattern, held }) => `- ${pattern === held.pattern ? '' : `${dataWord(pattern)}: `}${describeHeldLease(held, now)}`);
}
