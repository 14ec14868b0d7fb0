// Leases described in one line for people and agents: who holds what, why, where, until when.
import { formatDuration } from '../util/duration';
import type { HeldLease } from './lease-types';

/** `bob (task "auth refactor", worktree /src/app-b on feat) holds src/** exclusively (edit lease, token 7), 12m left`. */
export function describeHeldLease(lease: HeldLease, now: number): string {
  const about: string[] = [];
  if (lease.task) about.push(`task "${lease.task}"`);
  if (lease.holder.worktree) about.push(`worktree ${lease.holder.worktree}${lease.holder.branch ? ` on ${lease.holder.branch}` : ''}`);
  const holder = about.length > 0 ? `${lease.holder.name} (${about.join(', ')})` : lease.holder.name;
  const mode = lease.mode === 'exclusive' ? 'exclusively' : 'shared';
  return `${holder} holds ${lease.pattern} ${mode} (${lease.source} lease, token ${lease.token}), ${formatDuration(lease.expiresAt.getTime() - now)} left`;
}
