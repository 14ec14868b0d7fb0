// How hooks describe other sessions' leases to a model: who holds what, why, where, and until when,
// in words an agent can act on.
import { formatDuration } from '../lib/duration';
import type { Conflict, HeldLease } from '../lib/leases';

/** `src/x.ts` held by `a1b2c3d4` (task "…") in worktree /w/a on branch a, until 12:00Z (in 14m). */
export function describeLease(lease: HeldLease, now: number): string {
  const { holder } = lease;
  const where = [holder.worktree === null ? null : `in worktree ${holder.worktree}`, holder.branch === null ? null : `on branch ${holder.branch}`]
    .filter((part) => part !== null)
    .join(' ');
  const task = lease.task === null ? 'no task given' : `task "${lease.task}"`;
  const until = `until ${lease.expiresAt.toISOString()} (in ${formatDuration(lease.expiresAt.getTime() - now)})`;
  return `${lease.pattern} — held by session ${holder.name} (${holder.runtime}${where === '' ? '' : `, ${where}`}), ${task}, ${lease.mode} ${lease.source} lease ${until}`;
}

/** At most `limit` lease lines, then how many more there are. */
export function leaseLines(leases: HeldLease[], now: number, limit: number): string[] {
  const lines = leases.slice(0, limit).map((lease) => `- ${describeLease(lease, now)}`);
  if (leases.length > limit) lines.push(`- … and ${leases.length - limit} more (run \`agent-lease status\` for all of them)`);
  return lines;
}

/** `src/x.ts — held by …`, or `src/x.ts, covered by src/** — held by …` when a wider lease is in the way. */
export function describeConflict(conflict: Conflict, now: number): string {
  const lease = describeLease(conflict.held, now);
  return conflict.held.pattern === conflict.pattern ? lease : `${conflict.pattern}, covered by ${lease}`;
}
