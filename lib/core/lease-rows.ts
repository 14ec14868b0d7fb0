// Lease rows as the store keeps them, and the few queries every lease operation shares: a row by
// token, the joined view with the holder's session, and the candidates that could overlap a target.
import { ancestorPrefixes, indexPrefix, type LeaseTarget } from './globs';
import type { HeldLease, Lease, LeaseMode, LeaseSource } from './lease-types';
import { normalizePattern } from './patterns';
import { isSessionRowAlive } from './sessions';
import { all, get, type Body } from './store';

export type LeaseRow = {
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
  /** Where the change the lease protects lives; null: the holder's worktree. */
  worktree: string | null;
  /** The holder session's subagent; null: its main thread. */
  agent_id: string | null;
};

/** A lease row with its holder's session columns (null when the session row is gone). */
export type JoinedRow = LeaseRow & {
  s_name: string | null;
  s_runtime: string | null;
  s_worktree: string | null;
  s_branch: string | null;
  s_pid: number | null;
  s_pid_start: string | null;
  s_host: string | null;
  s_host_id: string | null;
  s_ended_at: number | null;
  s_last_seen_at: number | null;
};

export const JOINED = `SELECT l.*, s.name AS s_name, s.runtime AS s_runtime, s.worktree AS s_worktree, s.branch AS s_branch,
  s.pid AS s_pid, s.pid_start AS s_pid_start, s.host AS s_host, s.host_id AS s_host_id, s.ended_at AS s_ended_at, s.last_seen_at AS s_last_seen_at
  FROM leases l LEFT JOIN sessions s ON s.id = l.session_id`;

/** Whose liveness was already checked in this call: one process check per session. */
export type Liveness = Map<string, boolean>;

export function leaseRow(token: number): Body<LeaseRow | undefined> {
  return get<LeaseRow>('SELECT * FROM leases WHERE token = ?', token);
}

export function targetOf(row: Pick<LeaseRow, 'pattern' | 'glob'>): LeaseTarget {
  return { pattern: row.pattern, glob: row.glob === 1 };
}

/**
 * Unreleased leases that could overlap `target`, found through the prefix index: leases indexed
 * at an ancestor of the target's prefix, and for a glob, those indexed below it.
 */
export function candidateRows(target: LeaseTarget): Body<JoinedRow[]> {
  return rowsByPrefix<JoinedRow>(`${JOINED} WHERE l.released_at IS NULL AND l.prefix`, target);
}

/**
 * The rows of `selectWherePrefix` (a query ending in its prefix column, to be compared) that
 * could overlap `target`: those at an ancestor of the target's prefix, and for a glob, below it.
 */
export function* rowsByPrefix<T extends { prefix: string }>(selectWherePrefix: string, target: LeaseTarget): Body<T[]> {
  const prefix = indexPrefix(target);
  const column = selectWherePrefix.slice(selectWherePrefix.lastIndexOf(' ') + 1);
  // One statement for every ancestor (a path's are many: two a directory), in the ancestors' order.
  const ancestors = ancestorPrefixes(prefix);
  const depth = new Map(ancestors.map((ancestor, i) => [ancestor, i]));
  const rows = (yield* all<T>(`${selectWherePrefix} IN (${ancestors.map(() => '?').join(', ')})`, ...ancestors)).sort(
    (a, b) => depth.get(a.prefix)! - depth.get(b.prefix)!,
  );
  if (target.glob) {
    const below =
      prefix === ''
        ? yield* all<T>(`${selectWherePrefix} > ''`)
        : yield* all<T>(`${selectWherePrefix} > ? AND ${column} < ?`, prefix, prefixUpperBound(prefix));
    rows.push(...below);
  }
  return rows;
}

/** The smallest string greater than every string starting with `prefix` (which ends in `/`). */
function prefixUpperBound(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

export function holderAlive(row: JoinedRow, liveness: Liveness): boolean {
  let alive = liveness.get(row.session_id);
  if (alive === undefined) {
    alive =
      row.s_host !== null &&
      isSessionRowAlive({
        pid: row.s_pid,
        pid_start: row.s_pid_start,
        host: row.s_host,
        host_id: row.s_host_id,
        ended_at: row.s_ended_at,
        last_seen_at: row.s_last_seen_at ?? 0,
      });
    liveness.set(row.session_id, alive);
  }
  return alive;
}

export function toLease(row: LeaseRow): Lease {
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
    worktree: row.worktree,
    agentId: row.agent_id ?? null,
  };
}

export function toHeldLease(row: JoinedRow, liveness: Liveness = new Map()): HeldLease {
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

/** Which of a session's unreleased leases an operation is about: by token, by pattern, or all of them. */
export interface LeaseSelection {
  patterns?: string[];
  tokens?: number[];
  all?: boolean;
  sources?: LeaseSource[];
}

/**
 * The unreleased leases a selection names. A pattern names the caller's own lease when it has one,
 * and others' only when it has none; tokens name whoever's lease they are.
 */
export function* selectLeases(sessionId: string, selection: LeaseSelection): Body<JoinedRow[]> {
  let rows: JoinedRow[] = [];
  if (selection.tokens?.length) {
    for (const token of selection.tokens) rows.push(...(yield* all<JoinedRow>(`${JOINED} WHERE l.token = ? AND l.released_at IS NULL`, token)));
  } else if (selection.patterns?.length) {
    for (const pattern of selection.patterns) {
      rows.push(...(yield* all<JoinedRow>(`${JOINED} WHERE l.pattern = ? AND l.released_at IS NULL`, normalizePattern(pattern))));
    }
    const mine = rows.filter((row) => row.session_id === sessionId);
    const others = rows.filter((row) => row.session_id !== sessionId && !mine.some((own) => own.pattern === row.pattern));
    rows = [...mine, ...others];
  } else {
    rows = yield* all<JoinedRow>(`${JOINED} WHERE l.session_id = ? AND l.released_at IS NULL`, sessionId);
  }
  const { sources } = selection;
  return sources ? rows.filter((row) => sources.includes(row.source)) : rows;
}
