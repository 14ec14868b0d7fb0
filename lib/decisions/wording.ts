// How hooks list other sessions' leases to a model.
import { describeHeldLease } from '../core/lease-wording';
import type { Conflict, HeldLease } from '../core/lease-types';
import { formatDuration } from '../util/duration';
import { dataWord, shellWord } from '../util/text';

/** One line per lease shown, then how many more of `total` there are. */
export function leaseLines(shown: HeldLease[], total: number, now: number): string[] {
  const lines = shown.map((lease) => `- ${describeHeldLease(lease, now)}`);
  if (total > shown.length) lines.push(`- … and ${total - shown.length} more (run \`agent-lease status\` for all of them)`);
  return lines;
}

/**
 * One line per holder in the way: its first lease described in full (naming the wider lease when
 * it is not on the path itself), then its other leases in the way, never the holder twice.
 */
export function conflictLines(conflicts: Conflict[], now: number): string[] {
  const byHolder = new Map<string, Conflict[]>();
  for (const conflict of conflicts) {
    const mine = byHolder.get(conflict.held.holder.id) ?? [];
    if (!mine.some((seen) => seen.held.token === conflict.held.token && seen.pattern === conflict.pattern)) mine.push(conflict);
    byHolder.set(conflict.held.holder.id, mine);
  }
  return [...byHolder.values()].map(([first, ...more]) => {
    const also = more.filter(({ held }) => held.token !== first!.held.token).map(({ held }) => `${dataWord(held.pattern)} (token ${held.token})`);
    const line = `- ${first!.pattern === first!.held.pattern ? '' : `${dataWord(first!.pattern)}: `}${describeHeldLease(first!.held, now)}`;
    return also.length === 0 ? line : `${line}; also holds ${[...new Set(also)].join(', ')}`;
  });
}

/**
 * When the paths in the way are expected to be free (at the latest when the last of these leases
 * expires) and the next steps meanwhile: waiting for them, or asking their holder, both quoted.
 */
export function nextSteps(paths: string[], conflicts: Conflict[], now: number): string {
  const latest = Math.max(...conflicts.map((conflict) => conflict.held.expiresAt.getTime()));
  const words = paths.map(shellWord).join(' ');
  return (
    `Expected to be free at the latest in ${formatDuration(latest - now)} (when ${conflicts.length === 1 ? 'that lease expires' : 'the last of these leases expires'}), sooner if released. ` +
    `Next steps: wait for it with \`agent-lease wait --claim -- ${words}\` (returns once it is free, leased to you; the wait tool of the agent-lease MCP server does the same), ` +
    `or ask its holder for it with \`agent-lease ask ${shellWord(paths[0]!)} --message '…'\`.`
  );
}
