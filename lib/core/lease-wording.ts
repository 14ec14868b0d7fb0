// Leases described in one line for people and agents: who holds what, why, where, until when.
import { formatDuration } from '../util/duration';
import { dataWord, quotedText } from '../util/text';
import type { HeldLease } from './lease-types';

/**
 * Names, tasks, worktrees and patterns come from other sessions: they are quoted as data (see
 * lib/util/text.ts), so that a task cannot write lines into another agent's briefing or denial.
 * `bob (task "auth refactor", worktree /src/app-b on feat) holds src/** exclusively (edit lease, token 7), 12m left`. */
export function describeHeldLease(lease: HeldLease, now: number): string {
  if (lease.hold !== undefined) return describeBranchHold(lease, lease.hold, now);
  const about: string[] = [];
  if (lease.agentId !== null) about.push(`its subagent ${dataWord(lease.agentId)}`);
  if (lease.task) about.push(`task ${quotedText(lease.task)}`);
  if (lease.holder.worktree) about.push(`worktree ${dataWord(lease.holder.worktree)}${lease.holder.branch ? ` on ${dataWord(lease.holder.branch)}` : ''}`);
  const name = dataWord(lease.holder.name);
  const holder = about.length > 0 ? `${name} (${about.join(', ')})` : name;
  const mode = lease.mode === 'exclusive' ? 'exclusively' : 'shared';
  return `${holder} holds ${dataWord(lease.pattern)} ${mode} (${lease.source} lease, token ${lease.token}), ${formatDuration(lease.expiresAt.getTime() - now)} left`;
}

/** `branch feat (committed in a1b2c3d, a session is still working on it) holds src/a.ts until it is merged (branch hold, token 7), 13d left`. */
function describeBranchHold(lease: HeldLease, hold: NonNullable<HeldLease['hold']>, now: number): string {
  const about = [
    hold.commit ? `committed in ${hold.commit.slice(0, 7)}` : 'committed',
    lease.holder.alive ? 'a session is still working on it' : 'no session is working on it',
  ];
  return `branch ${dataWord(hold.branch)} (${about.join(', ')}) holds ${dataWord(lease.pattern)} until it is merged (branch hold, token ${lease.token}), ${formatDuration(lease.expiresAt.getTime() - now)} left`;
}
