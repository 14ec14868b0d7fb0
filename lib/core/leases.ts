// Leases: TTL advisory locks on repository-relative paths and globs. The conflict check and the
// grant happen in one BEGIN IMMEDIATE transaction, so no two conflicting live leases can exist
// among processes that use this module. Expired and dead-holder leases found in the way are
// reclaimed inside that same transaction.
import { AgentLeaseError } from '../util/errors';
import { ancestorPrefixes, globProblem, indexPrefix, isGlob, matchesEverything, overlaps, type LeaseTarget } from './globs';
import { recordEvent } from './events';
import { isSessionRowAlive, type SessionRow } from './sessions';
import type { Store } from './store';
import { DEFAULT_TTL_MS } from './defaults';
import { isDurationMs, MAX_DURATION_TEXT } from '../util/duration';

export type LeaseMode = 'exclusive' | 'shared';
export type LeaseSource = 'edit' | 'claim' | 'file';

export interface Lease {
  token: number;
  pattern: string;
  glob: boolean;
  mode: LeaseMode;
  sessionId: string;
  task: string | null;
  source: LeaseSource;
  acquiredAt: Date;
  expiresAt: Date;
  releasedAt: Date | null;
  releaseReason: string | null;
}

/** A lease with what others need to know about its holder. */
export interface HeldLease extends Lease {
  holder: { id: string; name: string; runtime: string; worktree: string | null; branch: string | null; alive: boolean };
}

export interface Conflict {
  /** The pattern that was asked for. */
  pattern: string;
  held: HeldLease;
}

export interface AcquireOptions {
  mode?: LeaseMode;
  /** Time to live; defaults by source (edit 15 min, claim and file 60 min). */
  ttlMs?: number;
  task?: string | null;
  source?: LeaseSource;
  /** Take every pattern as one exact path, even if it contains glob characters. */
  exact?: boolean;
  /** Grant the patterns that are free even when others conflict (default: all or nothing). */
  partial?: boolean;
  /** Allow a pattern that matches every path (`**`). */
  allowEverything?: boolean;
}

export interface AcquireResult {
  ok: boolean;
  granted: Lease[];
  renewed: Lease[];
  conflicts: Conflict[];
}

export interface ReleaseOptions {
  patterns?: string[];
  tokens?: number[];
  all?: boolean;
  /** Release other sessions' leases too (logged as forced, with who did it). */
  force?: boolean;
  reason?: string;
}

export interface ReleaseResult {
  released: Lease[];
  /** Other sessions' leases that matched but were left alone for want of `force`. */
  refused: HeldLease[];
}

export interface CoverageResult {
  path: string;
  holders: HeldLease[];
}

type LeaseRow = {
  token: number;
  session_id: string;
  pattern: string;
  glob: number;
  prefix: string;
  mode: LeaseMode;
  task: string | null;
  source: LeaseSource;
  acquired_at: number;
  ttl_ms: number;
  expires_at: number;
  released_at: number | null;
  release_reason: string | null;
};
type JoinedRow = LeaseRow & {
  s_name: string | null;
  s_runtime: string | null;
  s_worktree: string | null;
  s_branch: string | null;
  s_pid: number | null;
  s_pid_start: string | null;
  s_host: string | null;
  s_ended_at: number | null;
};

/** What `coverage` reads of every candidate lease before it knows whether the lease matches. */
type CandidateRow = Pick<LeaseRow, 'token' | 'session_id' | 'pattern' | 'glob' | 'mode' | 'expires_at'>;

const JOINED = `SELECT l.*, s.name AS s_name, s.runtime AS s_runtime, s.worktree AS s_worktree, s.branch AS s_branch,
  s.pid AS s_pid, s.pid_start AS s_pid_start, s.host AS s_host, s.ended_at AS s_ended_at
  FROM leases l LEFT JOIN sessions s ON s.id = l.session_id`;

/** Normalizes a pattern as given by a person or a tool, or explains in one line why it is unusable. */
export function normalizePattern(pattern: string): string {
  // Not trimmed: a file name may begin or end with a space, and must be leased as it is.
  if (pattern.trim() === '') throw new AgentLeaseError('empty pattern');
  if (pattern.includes('\0')) throw new AgentLeaseError('pattern contains a NUL byte');
  if (pattern.startsWith('/')) throw new AgentLeaseError(`pattern must be relative to the repository root: ${pattern}`);
  const segments = pattern.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw new AgentLeaseError(`pattern must not contain "..": ${pattern}`);
  if (segments.length === 0) throw new AgentLeaseError(`pattern names the repository root: ${pattern}`);
  return segments.join('/');
}

export function acquire(store: Store, sessionId: string, patterns: string[], options: AcquireOptions = {}): AcquireResult {
  const mode = options.mode ?? 'exclusive';
  const source = options.source ?? 'claim';
  const ttlMs = validTtl(options.ttlMs ?? DEFAULT_TTL_MS[source]);
  const targets = dedupeTargets(
    patterns.map((raw) => {
      const pattern = normalizePattern(raw);
      const target = { pattern, glob: !options.exact && isGlob(pattern) };
      const problem = target.glob ? globProblem(pattern) : null;
      if (problem !== null) throw new AgentLeaseError(`cannot lease "${pattern}": ${problem}`);
      if (target.glob && !options.allowEverything && matchesEverything(pattern)) {
        throw new AgentLeaseError(`pattern "${pattern}" would lease the whole repository; name a narrower area (or force it)`);
      }
      return target;
    }),
  );
  return store.write(() => {
    requireSessionRow(store, sessionId);
    const now = store.now();
    const liveness = new Map<string, boolean>();
    const reclaimed = new Set<number>();
    const plans = targets.map((target) => {
      let own: LeaseRow | undefined;
      const blockers: JoinedRow[] = [];
      for (const row of candidateRows(store, target)) {
        if (reclaimed.has(row.token)) continue;
        if (row.session_id === sessionId) {
          if (row.pattern === target.pattern && Boolean(row.glob) === target.glob) own = row;
          continue;
        }
        if (mode === 'shared' && row.mode === 'shared') continue;
        if (!overlaps(targetOf(row), target)) continue;
        if (reclaimIfStale(store, row, now, liveness, sessionId)) {
          reclaimed.add(row.token);
          continue;
        }
        blockers.push(row);
      }
      return { target, own, blockers };
    });

    const blocked = plans.filter((plan) => plan.blockers.length > 0);
    const conflicts = blocked.flatMap((plan) => plan.blockers.map((row) => ({ pattern: plan.target.pattern, held: toHeldLease(row) })));
    for (const plan of blocked) {
      recordEvent(store, {
        kind: 'deny',
        sessionId,
        pattern: plan.target.pattern,
        detail: { mode, source, heldBy: plan.blockers.map((row) => ({ token: row.token, session: row.session_id, pattern: row.pattern })) },
      });
    }
    const result: AcquireResult = { ok: blocked.length === 0, granted: [], renewed: [], conflicts };
    if (blocked.length > 0 && !options.partial) return result;

    for (const plan of plans) {
      if (plan.blockers.length > 0) continue;
      const expiresAt = now + ttlMs;
      if (plan.own) {
        store
          .statement('UPDATE leases SET expires_at = ?, ttl_ms = ?, mode = ?, task = coalesce(?, task) WHERE token = ?')
          .run(expiresAt, ttlMs, mode, options.task ?? null, plan.own.token);
        recordEvent(store, { kind: 'renew', sessionId, token: plan.own.token, pattern: plan.own.pattern, detail: { expiresAt } });
        result.renewed.push(toLease(leaseRow(store, plan.own.token)!));
      } else {
        const { lastInsertRowid } = store
          .statement(
            `INSERT INTO leases (session_id, pattern, glob, prefix, mode, task, source, acquired_at, ttl_ms, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(sessionId, plan.target.pattern, plan.target.glob ? 1 : 0, indexPrefix(plan.target), mode, options.task ?? null, source, now, ttlMs, expiresAt);
        const token = Number(lastInsertRowid);
        recordEvent(store, { kind: 'grant', sessionId, token, pattern: plan.target.pattern, detail: { mode, source, expiresAt } });
        result.granted.push(toLease(leaseRow(store, token)!));
      }
    }
    return result;
  });
}

/** Extends the session's live leases (all, or those with the given patterns or tokens). */
export function renew(
  store: Store,
  sessionId: string,
  options: { ttlMs?: number; patterns?: string[]; tokens?: number[]; sources?: LeaseSource[]; force?: boolean } = {},
): { renewed: Lease[]; refused: HeldLease[] } {
  if (options.ttlMs !== undefined) validTtl(options.ttlMs);
  return store.write(() => {
    const now = store.now();
    const rows = selectLeases(store, sessionId, options).filter((row) => row.expires_at > now);
    const renewed: Lease[] = [];
    const refused: HeldLease[] = [];
    for (const row of rows) {
      if (row.session_id !== sessionId && !options.force) {
        refused.push(toHeldLease(row));
        continue;
      }
      const ttlMs = options.ttlMs ?? row.ttl_ms;
      const expiresAt = now + ttlMs;
      store.statement('UPDATE leases SET expires_at = ?, ttl_ms = ? WHERE token = ?').run(expiresAt, ttlMs, row.token);
      recordEvent(store, {
        kind: 'renew',
        sessionId: row.session_id,
        actor: row.session_id === sessionId ? null : sessionId,
        token: row.token,
        pattern: row.pattern,
        detail: { expiresAt },
      });
      renewed.push(toLease(leaseRow(store, row.token)!));
    }
    return { renewed, refused };
  });
}

export function release(store: Store, sessionId: string, options: ReleaseOptions): ReleaseResult {
  if (!options.all && !options.patterns?.length && !options.tokens?.length) {
    throw new AgentLeaseError('release what? name patterns or tokens, or ask for all');
  }
  return store.write(() => {
    const now = store.now();
    const released: Lease[] = [];
    const refused: HeldLease[] = [];
    for (const row of selectLeases(store, sessionId, options)) {
      const forced = row.session_id !== sessionId;
      if (forced && !options.force) {
        refused.push(toHeldLease(row));
        continue;
      }
      const reason = forced ? `forced by ${sessionId}` : (options.reason ?? 'released');
      store.statement('UPDATE leases SET released_at = ?, release_reason = ? WHERE token = ?').run(now, reason, row.token);
      recordEvent(store, {
        kind: forced ? 'force-release' : 'release',
        sessionId: row.session_id,
        actor: forced ? sessionId : null,
        token: row.token,
        pattern: row.pattern,
        detail: { reason },
      });
      released.push(toLease({ ...row, released_at: now, release_reason: reason }));
    }
    return { released, refused };
  });
}

export function listLeases(store: Store, options: { sessionId?: string; includeInactive?: boolean } = {}): HeldLease[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (options.sessionId !== undefined) {
    where.push('l.session_id = ?');
    params.push(options.sessionId);
  }
  if (!options.includeInactive) {
    where.push('l.released_at IS NULL AND l.expires_at > ?');
    params.push(store.now());
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const rows = store.db.prepare(`${JOINED} ${filter} ORDER BY l.token`).all(...params) as JoinedRow[];
  const liveness = new Map<string, boolean>();
  const held = rows.map((row) => toHeldLease(row, liveness));
  return options.includeInactive ? held : held.filter((lease) => lease.holder.alive);
}

/**
 * The first `limit` live leases (in token order, as `status` lists them) of sessions other than
 * `exceptSession`, and how many such leases there are in all: what a new session is told,
 * without building every lease or checking a process per lease.
 */
export function liveLeaseSummary(store: Store, options: { exceptSession: string; limit: number }): { leases: HeldLease[]; total: number } {
  return store.read(() => {
    const now = store.now();
    const holders = store
      .statement(
        `SELECT * FROM sessions s WHERE s.ended_at IS NULL AND s.id != ?
           AND EXISTS (SELECT 1 FROM leases l WHERE l.session_id = s.id AND l.released_at IS NULL AND l.expires_at > ?)`,
      )
      .all(options.exceptSession, now) as SessionRow[];
    const alive = JSON.stringify(holders.filter(isSessionRowAlive).map((session) => session.id));
    const live = 'l.released_at IS NULL AND l.expires_at > ? AND l.session_id IN (SELECT value FROM json_each(?))';
    const { total } = store.statement(`SELECT count(*) AS total FROM leases l WHERE ${live}`).get(now, alive) as { total: number };
    const rows = store.statement(`${JOINED} WHERE ${live} ORDER BY l.token LIMIT ?`).all(now, alive, options.limit) as JoinedRow[];
    const liveness = new Map<string, boolean>();
    return { leases: rows.map((row) => toHeldLease(row, liveness)), total };
  });
}

/** Read-only: for each path, the live leases of *other* sessions that cover it. */
export function check(store: Store, paths: string[], sessionId?: string | null): CoverageResult[] {
  return coverage(store, paths, { except: sessionId ?? null });
}

/** Read-only: every live lease covering `path`, whoever holds it. */
export function who(store: Store, path: string): HeldLease[] {
  return coverage(store, [path])[0]!.holders;
}

export interface CoverageOptions {
  /** Leave this session's own leases out. */
  except?: string | null;
  /** Only leases of this mode. */
  mode?: LeaseMode;
}

/**
 * Read-only, in one snapshot: for each path, the live leases covering it. Built for many paths at
 * once (a commit of a thousand files): each index prefix is looked up once for all of them, with
 * only the columns the match needs; holder details are read for the few leases that match, once
 * each, and each holder's liveness is checked once.
 */
export function coverage(store: Store, paths: string[], options: CoverageOptions = {}): CoverageResult[] {
  return store.read(() => {
    const now = store.now();
    const byPrefix = store.statement('SELECT token, session_id, pattern, glob, mode, expires_at FROM leases WHERE released_at IS NULL AND prefix = ?');
    const byToken = store.statement(`${JOINED} WHERE l.token = ?`);
    const candidates = new Map<string, CandidateRow[]>();
    const held = new Map<number, HeldLease | null>();
    const liveness = new Map<string, boolean>();
    const candidatesAt = (prefix: string): CandidateRow[] => {
      let rows = candidates.get(prefix);
      if (rows === undefined) {
        rows = (byPrefix.all(prefix) as CandidateRow[]).filter(
          (row) => row.expires_at > now && row.session_id !== options.except && (options.mode === undefined || row.mode === options.mode),
        );
        candidates.set(prefix, rows);
      }
      return rows;
    };
    const liveHolder = (token: number): HeldLease | null => {
      let lease = held.get(token);
      if (lease === undefined) {
        const row = byToken.get(token) as JoinedRow;
        lease = holderAlive(row, liveness) ? toHeldLease(row, liveness) : null;
        held.set(token, lease);
      }
      return lease;
    };
    return paths.map((path) => {
      const target = { pattern: path, glob: false };
      const holders = ancestorPrefixes(path)
        .flatMap(candidatesAt)
        .filter((row) => overlaps(targetOf(row), target))
        .map((row) => liveHolder(row.token))
        .filter((lease): lease is HeldLease => lease !== null);
      return { path, holders };
    });
  });
}

export interface GcResult {
  reclaimed: number;
  deletedLeases: number;
  deletedSessions: number;
  deletedEvents: number;
}

/** Rows deleted per transaction by gc, so that hooks waiting on the store are never held up long. */
const GC_BATCH = 5000;

/**
 * Reclaims expired and dead-holder leases, then deletes released leases and ended sessions older
 * than `retentionMs` and events older than `eventRetentionMs`, in small batches, and returns the
 * freed pages to the file system.
 */
export function gc(store: Store, options: { retentionMs: number; eventRetentionMs?: number; actor?: string | null }): GcResult {
  const liveRows = store.db.prepare(`${JOINED} WHERE l.released_at IS NULL`).all() as JoinedRow[];
  // Process checks happen here, outside the transaction; inside it only the answers are used.
  const liveness = new Map<string, boolean>();
  for (const row of liveRows) holderAlive(row, liveness);
  const now = store.now();
  const reclaimed = store.write(() => {
    let count = 0;
    for (const row of liveRows) {
      const current = leaseRow(store, row.token);
      if (current?.released_at === null && reclaimIfStale(store, row, store.now(), liveness, options.actor ?? null)) count++;
    }
    return count;
  });
  const cutoff = now - options.retentionMs;
  const deletedLeases = deleteInBatches(store, 'SELECT token FROM leases WHERE released_at IS NOT NULL AND released_at < ?', 'DELETE FROM leases WHERE token IN', cutoff);
  const deletedSessions = deleteInBatches(
    store,
    'SELECT rowid FROM sessions WHERE ended_at IS NOT NULL AND ended_at < ? AND NOT EXISTS (SELECT 1 FROM leases WHERE session_id = sessions.id)',
    'DELETE FROM sessions WHERE rowid IN',
    cutoff,
  );
  const deletedEvents = deleteInBatches(store, 'SELECT id FROM events WHERE at < ?', 'DELETE FROM events WHERE id IN', now - (options.eventRetentionMs ?? options.retentionMs));
  store.db.pragma('incremental_vacuum');
  return { reclaimed, deletedLeases, deletedSessions, deletedEvents };
}

function deleteInBatches(store: Store, select: string, deleteWhere: string, cutoff: number): number {
  const statement = store.statement(`${deleteWhere} (${select} LIMIT ${GC_BATCH})`);
  let total = 0;
  for (;;) {
    const deleted = store.write(() => statement.run(cutoff).changes);
    total += deleted;
    if (deleted < GC_BATCH) return total;
  }
}

/**
 * Unreleased leases that could overlap `target`, found through the prefix index: leases indexed
 * at an ancestor of the target's prefix, and for a glob, those indexed below it.
 */
function candidateRows(store: Store, target: LeaseTarget): JoinedRow[] {
  const prefix = indexPrefix(target);
  const byPrefix = store.statement(`${JOINED} WHERE l.released_at IS NULL AND l.prefix = ?`);
  const rows: JoinedRow[] = [];
  for (const ancestor of ancestorPrefixes(prefix)) rows.push(...(byPrefix.all(ancestor) as JoinedRow[]));
  if (target.glob) {
    const below =
      prefix === ''
        ? store.statement(`${JOINED} WHERE l.released_at IS NULL AND l.prefix > ''`).all()
        : store.statement(`${JOINED} WHERE l.released_at IS NULL AND l.prefix > ? AND l.prefix < ?`).all(prefix, prefixUpperBound(prefix));
    rows.push(...(below as JoinedRow[]));
  }
  return rows;
}

/** The smallest string greater than every string starting with `prefix` (which ends in `/`). */
function prefixUpperBound(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/**
 * Releases a lease that has expired or whose holder is gone; true when it did. A lease due to
 * expire further ahead than its own TTL means the clock went back: its expiry is brought within
 * one TTL of now, so that no lease outlives a clock jump by more than its TTL.
 */
function reclaimIfStale(store: Store, row: JoinedRow, now: number, liveness: Map<string, boolean>, actor: string | null): boolean {
  if (row.expires_at - now > row.ttl_ms) {
    row.expires_at = now + row.ttl_ms;
    store.statement('UPDATE leases SET expires_at = ? WHERE token = ?').run(row.expires_at, row.token);
  }
  let kind: 'expire' | 'takeover';
  let reason: string;
  if (row.expires_at <= now) {
    kind = 'expire';
    reason = 'expired';
  } else if (!holderAlive(row, liveness)) {
    kind = 'takeover';
    reason = row.s_ended_at === null ? 'holder-dead' : 'holder-ended';
  } else {
    return false;
  }
  store.statement('UPDATE leases SET released_at = ?, release_reason = ? WHERE token = ?').run(now, reason, row.token);
  recordEvent(store, { kind, sessionId: row.session_id, actor, token: row.token, pattern: row.pattern, detail: { reason } });
  return true;
}

function holderAlive(row: JoinedRow, liveness: Map<string, boolean>): boolean {
  let alive = liveness.get(row.session_id);
  if (alive === undefined) {
    alive = row.s_host !== null && isSessionRowAlive({ pid: row.s_pid, pid_start: row.s_pid_start, host: row.s_host, ended_at: row.s_ended_at });
    liveness.set(row.session_id, alive);
  }
  return alive;
}

function selectLeases(store: Store, sessionId: string, options: { patterns?: string[]; tokens?: number[]; all?: boolean; sources?: LeaseSource[] }): JoinedRow[] {
  let rows: JoinedRow[];
  if (options.tokens?.length) {
    const byToken = store.statement(`${JOINED} WHERE l.token = ? AND l.released_at IS NULL`);
    rows = options.tokens.flatMap((token) => byToken.all(token) as JoinedRow[]);
  } else if (options.patterns?.length) {
    const byPattern = store.statement(`${JOINED} WHERE l.pattern = ? AND l.released_at IS NULL`);
    rows = options.patterns.flatMap((pattern) => byPattern.all(normalizePattern(pattern)) as JoinedRow[]);
    // A pattern names the caller's own lease when it has one; others' only when it has none.
    const mine = rows.filter((row) => row.session_id === sessionId);
    const others = rows.filter((row) => row.session_id !== sessionId && !mine.some((own) => own.pattern === row.pattern));
    rows = [...mine, ...others];
  } else {
    rows = store.statement(`${JOINED} WHERE l.session_id = ? AND l.released_at IS NULL`).all(sessionId) as JoinedRow[];
  }
  return options.sources ? rows.filter((row) => options.sources!.includes(row.source)) : rows;
}

function validTtl(ttlMs: number): number {
  if (!isDurationMs(ttlMs)) throw new AgentLeaseError(`a lease's time to live must be more than 0 and at most ${MAX_DURATION_TEXT}, not ${ttlMs} ms`);
  return ttlMs;
}

function requireSessionRow(store: Store, sessionId: string): void {
  const row = store.statement('SELECT ended_at FROM sessions WHERE id = ?').get(sessionId) as Pick<SessionRow, 'ended_at'> | undefined;
  if (row === undefined) throw new AgentLeaseError(`unknown session "${sessionId}": register it first`);
  if (row.ended_at !== null) throw new AgentLeaseError(`session "${sessionId}" has ended`);
}

function dedupeTargets(targets: LeaseTarget[]): LeaseTarget[] {
  const seen = new Set<string>();
  return targets.filter((target) => {
    const key = `${target.glob ? 'g' : 'p'}:${target.pattern}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function leaseRow(store: Store, token: number): LeaseRow | undefined {
  return store.statement('SELECT * FROM leases WHERE token = ?').get(token) as LeaseRow | undefined;
}

function targetOf(row: Pick<LeaseRow, 'pattern' | 'glob'>): LeaseTarget {
  return { pattern: row.pattern, glob: row.glob === 1 };
}

function toLease(row: LeaseRow): Lease {
  return {
    token: row.token,
    pattern: row.pattern,
    glob: row.glob === 1,
    mode: row.mode,
    sessionId: row.session_id,
    task: row.task,
    source: row.source,
    acquiredAt: new Date(row.acquired_at),
    expiresAt: new Date(row.expires_at),
    releasedAt: row.released_at === null ? null : new Date(row.released_at),
    releaseReason: row.release_reason,
  };
}

/** `liveness` memoizes holder checks across the rows of one call (one process check per session). */
function toHeldLease(row: JoinedRow, liveness = new Map<string, boolean>()): HeldLease {
  return {
    ...toLease(row),
    holder: {
      id: row.session_id,
      name: row.s_name ?? row.session_id,
      runtime: row.s_runtime ?? 'unknown',
      worktree: row.s_worktree,
      branch: row.s_branch,
      alive: holderAlive(row, liveness),
    },
  };
}
