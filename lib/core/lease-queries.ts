// Reading leases: every live one, what a new session is told, and which cover given paths. Each
// query reads one consistent snapshot and checks each holder's liveness once.
import { holdCandidates, toHeldHold } from './branch-holds';
import { standingOf, type Holder } from './agents';
import { overlaps, ancestorPrefixes, type LeaseTarget } from './globs';
import { candidateRows, holderAlive, JOINED, targetOf, toHeldLease, type JoinedRow, type LeaseRow, type Liveness } from './lease-rows';
import type { Conflict, HeldLease, LeaseMode } from './lease-types';
import { staleReason, worktreeRemoved } from './reclaim';
import { isSessionRowAlive, type SessionRow } from './sessions';
import { all, get, type Body, type SqlValue, type Store } from './store';

export interface CoverageResult {
  path: string;
  holders: HeldLease[];
}

/** What `coverage` reads of every candidate lease before it knows whether the lease matches. */
type CandidateRow = Pick<LeaseRow, 'token' | 'session_id' | 'pattern' | 'glob' | 'mode' | 'expires_at'>;

/** With `limit`, only the first `limit` unreleased rows (by token) are looked at. */
export interface LeaseListOptions {
  sessionId?: string;
  includeInactive?: boolean;
  limit?: number;
}

export function listLeases(store: Store, options: LeaseListOptions = {}): Promise<HeldLease[]> {
  return store.read(() => leaseList(store, options));
}

export function* leaseList(store: Store, options: LeaseListOptions = {}): Body<HeldLease[]> {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (options.sessionId !== undefined) {
    where.push('l.session_id = ?');
    params.push(options.sessionId);
  }
  if (!options.includeInactive) {
    where.push('l.released_at IS NULL AND l.expires_at > ?');
    params.push(store.now());
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const limit = options.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(options.limit))}`;
  const rows = yield* all<JoinedRow>(`${JOINED} ${filter} ORDER BY l.token${limit}`, ...params);
  const liveness: Liveness = new Map();
  const held = rows.map((row) => toHeldLease(row, liveness));
  return options.includeInactive ? held : held.filter((lease) => lease.holder.alive);
}

/** Read-only: the unreleased leases whose holder can no longer speak for them (reclaim.ts): what an edit meeting one would reclaim. */
export function staleLeases(store: Store): Promise<HeldLease[]> {
  return store.read(function* () {
    const now = store.now();
    const liveness: Liveness = new Map();
    const rows = yield* all<JoinedRow>(`${JOINED} WHERE l.released_at IS NULL ORDER BY l.token`);
    return rows.filter((row) => staleReason(row, now, liveness) !== null).map((row) => toHeldLease(row, liveness));
  });
}

/**
 * The first `limit` live leases (in token order, as `status` lists them) of sessions other than
 * `exceptSession`, and how many such leases there are in all: what a new session is told,
 * without building every lease or checking a process per lease.
 */
export function liveLeaseSummary(store: Store, options: { exceptSession: string; limit: number }): Promise<{ leases: HeldLease[]; total: number }> {
  return store.read(function* () {
    const now = store.now();
    const holders = yield* all<SessionRow>(
      `SELECT * FROM sessions s WHERE s.ended_at IS NULL AND s.id != ?
         AND EXISTS (SELECT 1 FROM leases l WHERE l.session_id = s.id AND l.released_at IS NULL AND l.expires_at > ?)`,
      options.exceptSession,
      now,
    );
    const alive = JSON.stringify(holders.filter(isSessionRowAlive).map((session) => session.id));
    const live = `l.released_at IS NULL AND l.expires_at > ? AND ${store.dialect.inList('l.session_id')}`;
    const { total } = (yield* get<{ total: number }>(`SELECT count(*) AS total FROM leases l WHERE ${live}`, now, alive))!;
    const rows = yield* all<JoinedRow>(`${JOINED} WHERE ${live} ORDER BY l.token LIMIT ?`, now, alive, options.limit);
    const liveness: Liveness = new Map();
    return { leases: rows.map((row) => toHeldLease(row, liveness)), total };
  });
}

/** Read-only: for each path, the live leases of *other* sessions that cover it. */
export function check(store: Store, paths: string[], sessionId?: string | null): Promise<CoverageResult[]> {
  return store.read(function* () {
    const session = sessionId == null ? undefined : yield* get<{ branch: string | null }>('SELECT branch FROM sessions WHERE id = ?', sessionId);
    return yield* coverageRows(store, paths, { except: sessionId ?? null, branch: session?.branch ?? null });
  });
}

/** Read-only: every live lease covering `path`, whoever holds it. */
export async function who(store: Store, path: string): Promise<HeldLease[]> {
  return (await coverage(store, [path]))[0]!.holders;
}

export interface CoverageOptions {
  /** Leave this session's own leases out. */
  except?: string | null;
  /** Only leases of this mode. */
  mode?: LeaseMode;
  /** The asker's branch: its own branch holds are left out. */
  branch?: string | null;
}

/**
 * Read-only, in one snapshot: for each path, the live leases covering it. Built for many paths at
 * once (a commit of a thousand files): each index prefix is looked up once for all of them, with
 * only the columns the match needs; holder details are read for the few leases that match, once
 * each, and each holder's liveness is checked once.
 */
export function coverage(store: Store, paths: string[], options: CoverageOptions = {}): Promise<CoverageResult[]> {
  return store.read(() => coverageRows(store, paths, options));
}

function* coverageRows(store: Store, paths: string[], options: CoverageOptions): Body<CoverageResult[]> {
  const now = store.now();
  const candidates = new Map<string, CandidateRow[]>();
  const held = new Map<number, HeldLease | null>();
  const liveness: Liveness = new Map();
  const worked = new Map<string, boolean>();
  function* candidatesAt(prefix: string): Body<CandidateRow[]> {
    let rows = candidates.get(prefix);
    if (rows === undefined) {
      rows = (yield* all<CandidateRow>(
        'SELECT token, session_id, pattern, glob, mode, expires_at FROM leases WHERE released_at IS NULL AND prefix = ?',
        prefix,
      )).filter((row) => row.expires_at > now && row.session_id !== options.except && (options.mode === undefined || row.mode === options.mode));
      candidates.set(prefix, rows);
    }
    return rows;
  }
  function* liveHolder(token: number): Body<HeldLease | null> {
    let lease = held.get(token);
    if (lease === undefined) {
      const row = (yield* get<JoinedRow>(`${JOINED} WHERE l.token = ?`, token))!;
      lease = holderAlive(row, liveness) && !worktreeRemoved(row) ? toHeldLease(row, liveness) : null;
      held.set(token, lease);
    }
    return lease;
  }
  const results: CoverageResult[] = [];
  for (const path of paths) {
    const target = { pattern: path, glob: false };
    const holders: HeldLease[] = [];
    for (const prefix of ancestorPrefixes(path)) {
      for (const row of yield* candidatesAt(prefix)) {
        if (!overlaps(targetOf(row), target)) continue;
        const lease = yield* liveHolder(row.token);
        if (lease !== null) holders.push(lease);
      }
    }
    if (options.mode !== 'shared') {
      for (const hold of yield* holdCandidates(target)) {
        if (hold.expires_at > now && hold.branch !== options.branch) holders.push(yield* toHeldHold(hold, worked));
      }
    }
    results.push({ path, holders });
  }
  return results;
}

/**
 * Read-only: the live leases in the way of `holder` (other sessions', and other agents' of its
 * own session but the main thread's: see agents.ts) that overlap any of `targets` (paths or
 * globs), each as a conflict with the target it meets. Nothing is reclaimed.
 */
export function overlappingLeases(store: Store, targets: LeaseTarget[], holder: Holder): Promise<Conflict[]> {
  return store.read(function* () {
    const now = store.now();
    const liveness: Liveness = new Map();
    const conflicts: Conflict[] = [];
    for (const target of targets) {
      for (const row of yield* candidateRows(target)) {
        if (
          inTheWay(standingOf(holder, row)) &&
          row.expires_at > now &&
          overlaps(targetOf(row), target) &&
          holderAlive(row, liveness) &&
          !worktreeRemoved(row)
        ) {
          conflicts.push({ pattern: target.pattern, held: toHeldLease(row, liveness) });
        }
      }
    }
    return conflicts;
  });
}

/**
 * Read-only: every live lease on something under `directory` (a repository-relative path), whoever
 * holds it: exact paths inside it and globs that can match a path inside it, each lease once.
 */
export function whoUnder(store: Store, directory: string): Promise<HeldLease[]> {
  const targets: LeaseTarget[] = [
    { pattern: directory, glob: false },
    { pattern: `${escapeGlob(directory)}/**`, glob: true },
  ];
  return store.read(function* () {
    const now = store.now();
    const liveness: Liveness = new Map();
    const found = new Map<number, HeldLease>();
    for (const target of targets) {
      for (const row of yield* candidateRows(target)) {
        if (!found.has(row.token) && row.expires_at > now && overlaps(targetOf(row), target) && holderAlive(row, liveness)) {
          found.set(row.token, toHeldLease(row, liveness));
        }
      }
    }
    return [...found.values()].sort((a, b) => a.token - b.token);
  });
}

/** `path` as a glob that matches exactly it (a directory named `app/[slug]` is no character class). */
function escapeGlob(path: string): string {
  return path.replace(/[*?[\]{}()!+@\\]/g, '\\$&');
}

function inTheWay(standing: ReturnType<typeof standingOf>): boolean {
  return standing === 'other' || standing === 'within';
}
