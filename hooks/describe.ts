// How hooks list other sessions' leases to a model.
import { describeHeldLease } from '../lib/lease-text';
import type { Conflict, HeldLease } from '../lib/leases';

/** At most `limit` lease lines, then how many more there are. */
export function leaseLines(leases: HeldLease[], now: number, limit: number): string[] {
  const lines = leases.slice(0, limit).map((lease) => `- ${describeHeldLease(lease, now)}`);
  if (leases.length > limit) lines.push(`- … and ${leases.length - limit} more (run \`agent-lease status\` for all of them)`);
  return lines;
}

/** One line per conflict; names the wider lease when it is not on the path itself. */
export function conflictLines(conflicts: Conflict[], now: number): string[] {
  return conflicts.map(({ pattern, held }) => `- ${pattern === held.pattern ? '' : `${pattern}: `}${describeHeldLease(held, now)}`);
}
