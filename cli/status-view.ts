// What `status` shows, and what the demo ends with: the sessions and the leases, as plain data
// (the `--json` shape) and as a table for a terminal.
import { homedir } from 'node:os';
import { formatDuration } from '../lib/util/duration';
import { describeHeldLease } from '../lib/core/lease-wording';
import { heldHolds } from '../lib/core/branch-holds';
import { leaseList } from '../lib/core/lease-queries';
import type { HeldLease, Lease } from '../lib/core/lease-types';
import { sessionList } from '../lib/core/sessions';
import type { Store } from '../lib/core/store';
import { plainText } from '../lib/util/text';
import { paint, table } from './output';

export interface SessionView {
  id: string;
  name: string;
  runtime: string;
  worktree: string | null;
  branch: string | null;
  pid: number | null;
  alive: boolean;
  startedAt: string;
  lastSeenAt: string;
  endedAt: string | null;
}

export type LeaseState = 'live' | 'expired' | 'released' | 'holder-gone';

export interface LeaseView {
  token: number;
  pattern: string;
  mode: string;
  sessionId: string;
  /** The subagent of the session that holds it; null: its main thread. */
  agentId: string | null;
  holder: string;
  task: string | null;
  source: string;
  acquiredAt: string;
  expiresAt: string;
  releasedAt: string | null;
  releaseReason: string | null;
  state: LeaseState;
  /** Branch holds (`source: "branch"`): the holding branch, its commit when the hold began, the session whose lease it was. */
  branch?: string;
  commit?: string | null;
  session?: string | null;
}

export interface StatusView {
  sessions: SessionView[];
  leases: LeaseView[];
}

/** Open sessions and live leases; with `all`, ended sessions and expired or released leases too. */
export async function readStatus(store: Store | null, options: { all?: boolean } = {}): Promise<StatusView> {
  if (store === null) return { sessions: [], leases: [] };
  const now = store.now();
  return await store.read(function* () {
    const sessions = yield* sessionList({ includeEnded: options.all === true });
    const leases = yield* leaseList(store, { includeInactive: options.all === true });
    const holds = yield* heldHolds(store);
    return {
      sessions: sessions.map((session) => ({
        id: session.id,
        name: session.name,
        runtime: session.runtime,
        worktree: session.worktree,
        branch: session.branch,
        pid: session.pid,
        alive: session.alive,
        startedAt: session.startedAt.toISOString(),
        lastSeenAt: session.lastSeenAt.toISOString(),
        endedAt: session.endedAt?.toISOString() ?? null,
      })),
      leases: [
        ...leases.map((lease) => toLeaseView(lease, lease.holder, now)),
        ...holds.map((hold) => toLeaseView(hold, { name: hold.holder.name, alive: true }, now)),
      ],
    };
  });
}

/** A lease as `--json` shows it, holder named. */
export function toLeaseView(lease: Lease & Pick<HeldLease, 'hold'>, holder: { name: string; alive: boolean }, now: number): LeaseView {
  return {
    token: lease.token,
    pattern: lease.pattern,
    mode: lease.mode,
    sessionId: lease.sessionId,
    agentId: lease.agentId,
    holder: holder.name,
    task: lease.task,
    source: lease.source,
    acquiredAt: lease.acquiredAt.toISOString(),
    expiresAt: lease.expiresAt.toISOString(),
    releasedAt: lease.releasedAt?.toISOString() ?? null,
    releaseReason: lease.releaseReason,
    state: lease.releasedAt !== null ? 'released' : lease.expiresAt.getTime() <= now ? 'expired' : holder.alive ? 'live' : 'holder-gone',
    ...(lease.hold === undefined ? {} : { branch: lease.hold.branch, commit: lease.hold.commit, session: lease.hold.sessionId }),
  };
}

/** Another session's lease as `--json` shows it where it stands in the way: where its holder works, in words. */
export function toHeldView(lease: HeldLease, now: number): Omit<LeaseView, 'branch'> & { worktree: string | null; branch: string | null; description: string } {
  return { ...toLeaseView(lease, lease.holder, now), worktree: lease.holder.worktree, branch: lease.holder.branch, description: describeHeldLease(lease, now) };
}

/** The two tables a person reads; times relative to `now`. */
export function renderStatus(view: StatusView, now: number): string {
  const sections: string[] = [];
  if (view.sessions.length === 0) {
    sections.push('No sessions.');
  } else {
    const rows = view.sessions.map((session) => [
      plainText(session.name),
      plainText(session.runtime),
      plainText(shortenHome(session.worktree ?? '-')),
      plainText(session.branch ?? '-'),
      session.endedAt !== null ? paint('ended', 'dim') : session.alive ? paint('yes', 'green') : paint('no', 'red'),
      `${formatDuration(now - Date.parse(session.lastSeenAt))} ago`,
    ]);
    sections.push(`${paint(`Sessions (${view.sessions.length})`, 'bold')}\n${table(['NAME', 'RUNTIME', 'WORKTREE', 'BRANCH', 'ALIVE', 'LAST SEEN'], rows)}`);
  }
  if (view.leases.length === 0) {
    sections.push('No live leases.');
  } else {
    const rows = view.leases.map((lease) => [
      plainText(lease.pattern),
      lease.mode === 'exclusive' ? paint('exclusive', 'yellow') : paint('shared', 'cyan'),
      plainText(lease.agentId === null ? lease.holder : `${lease.holder}/${lease.agentId}`),
      plainText(lease.task ?? '-', 40),
      lease.source,
      timeLeft(lease, now),
    ]);
    sections.push(`${paint(`Leases (${view.leases.length})`, 'bold')}\n${table(['PATTERN', 'MODE', 'HOLDER', 'TASK', 'SOURCE', 'TIME LEFT'], rows)}`);
  }
  return sections.join('\n\n');
}

function timeLeft(lease: LeaseView, now: number): string {
  switch (lease.state) {
    case 'live':
      return formatDuration(Date.parse(lease.expiresAt) - now);
    case 'released':
      return paint(lease.releaseReason === null || lease.releaseReason === 'released' ? 'released' : `released (${lease.releaseReason})`, 'dim');
    case 'expired':
      return paint('expired', 'dim');
    case 'holder-gone':
      return paint('holder gone', 'red');
  }
}

function shortenHome(path: string): string {
  const home = homedir();
  return home.length > 1 && (path === home || path.startsWith(`${home}/`)) ? `~${path.slice(home.length)}` : path;
}
