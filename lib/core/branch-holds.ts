// Branch holds (DESIGN.md: "Branch hold"): the lease on a committed change, held by the branch it
// is committed on until the change reaches the integration branch. A session's lease passes to its
// branch as it ends; acquire checks holds where it checks leases (one source of truth for every
// "is it free"); a hold ends when git shows its change integrated or its branch gone, at its TTL,
// or on request. Git facts come from functions the caller gives, asked outside any transaction.
import { recordEvent } from './events';
import { indexPrefix, overlaps, type LeaseTarget } from './globs';
import { rowsByPrefix } from './lease-rows';
import type { HeldLease } from './lease-types';
import { isSessionRowAlive, type SessionRow } from './sessions';
import { all, get, run, type Body, type Store } from './store';

/** `deny`: another branch's hold blocks an edit; `warn`: the edit goes ahead, the model is told; `off`: no holds. */
export type HoldMode = 'deny' | 'warn' | 'off';

export interface HoldRow {
  token: number;
  path: string;
  prefix: string;
  branch: string;
  commit_id: string | null;
  session_id: string | null;
  worktree: string | null;
  created_at: number;
  ttl_ms: number;
  expires_at: number;
  ended_at: number | null;
  end_reason: string | null;
}

/**
 * What git says of a hold's change: still only on its branch (`stands`), in the integration
 * branch, its branch deleted, or already in the asker's branch (merged or rebased onto it).
 */
export type HoldFact = 'stands' | 'integrated' | 'deleted' | 'contained';

export interface HoldQuestion {
  token: number;
  path: string;
  branch: string;
  /** The commit the hold began at (null for holds made before it was recorded). */
  commit: string | null;
}

/** A lease passing to a branch: the lease's token becomes the hold's (`fresh`: a new token, one per file of a glob claim). */
export interface NewHold {
  token: number;
  fresh?: boolean;
  path: string;
  branch: string;
  commit: string | null;
  sessionId: string | null;
  worktree: string | null;
}

/** Git facts of the holds met in one acquire: those known, those still to ask, and how to ask. */
export interface HoldFacts {
  known: Map<number, HoldFact>;
  unknown: HoldRow[];
  ask: ((hold: HoldQuestion) => HoldFact) | undefined;
}

const LIVE_BY_PREFIX = 'SELECT * FROM branch_holds WHERE ended_at IS NULL AND prefix';

/** Live (unended) holds on paths `target` can match. */
export function* holdCandidates(target: LeaseTarget): Body<HoldRow[]> {
  return (yield* rowsByPrefix<HoldRow>(LIVE_BY_PREFIX, target)).filter((row) => overlaps({ pattern: row.path, glob: false }, target));
}

/**
 * Inside a write transaction: the holds of other branches that stand in the way of `target` for an
 * asker on `askerBranch`. Expired holds met are ended; holds git showed integrated or whose branch
 * is gone are ended; holds the asker's branch already contains are passed over. A hold whose facts
 * are not known yet is noted in `facts.unknown` (to be asked outside the transaction) and stands.
 */
export function* holdsInTheWay(store: Store, target: LeaseTarget, askerBranch: string | null, now: number, facts: HoldFacts, actor: string): Body<HoldRow[]> {
  const blocking: HoldRow[] = [];
  for (const row of yield* holdCandidates(target)) {
    if (row.branch === askerBranch) continue;
    if (row.expires_at <= now) {
      yield* endHold(store, row, 'expired', actor);
      continue;
    }
    const fact = facts.known.get(row.token);
    if (fact === 'integrated' || fact === 'deleted') {
      yield* endHold(store, row, fact === 'integrated' ? 'integrated' : 'branch deleted', actor);
      continue;
    }
    if (fact === 'contained') continue;
    if (fact === undefined && facts.ask !== undefined) facts.unknown.push(row);
    blocking.push(row);
  }
  return blocking;
}

/** Asks git about each hold noted unknown; a question git cannot answer leaves the hold standing. */
export function askHoldFacts(facts: HoldFacts): void {
  for (const row of facts.unknown) {
    let fact: HoldFact;
    try {
      fact = facts.ask!({ token: row.token, path: row.path, branch: row.branch, commit: row.commit_id });
    } catch {
      fact = 'stands';
    }
    facts.known.set(row.token, fact);
  }
  facts.unknown.length = 0;
}

/**
 * Inside a write transaction: each lease passes to its branch. The lease is released ("held by
 * branch X"); the branch's live hold on the path is renewed when it has one, else the hold is made
 * under the lease's token. Logged as `hold`.
 */
export function* passToBranch(store: Store, holds: NewHold[], ttlMs: number, actor: string | null): Body<void> {
  const now = store.now();
  for (const hold of holds) {
    const reason = `held by branch ${hold.branch}`;
    yield* run('UPDATE leases SET released_at = ?, release_reason = ? WHERE token = ? AND released_at IS NULL', now, reason, hold.token);
    const existing = yield* get<{ token: number }>('SELECT token FROM branch_holds WHERE ended_at IS NULL AND branch = ? AND path = ?', hold.branch, hold.path);
    const token = existing?.token ?? (hold.fresh ? yield* store.dialect.newToken() : hold.token);
    if (existing === undefined) {
      // An ended hold made from the same lease before gives way to the new one.
      yield* run(
        `INSERT INTO branch_holds (token, path, prefix, branch, commit_id, session_id, worktree, created_at, ttl_ms, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (token) DO UPDATE SET path = excluded.path, prefix = excluded.prefix, branch = excluded.branch, commit_id = excluded.commit_id,
           session_id = excluded.session_id, worktree = excluded.worktree, created_at = excluded.created_at, ttl_ms = excluded.ttl_ms,
           expires_at = excluded.expires_at, ended_at = NULL, end_reason = NULL`,
        token,
        hold.path,
        indexPrefix({ pattern: hold.path, glob: false }),
        hold.branch,
        hold.commit,
        hold.sessionId,
        hold.worktree,
        now,
        ttlMs,
        now + ttlMs,
      );
    } else {
      yield* run(
        'UPDATE branch_holds SET commit_id = coalesce(?, commit_id), session_id = coalesce(?, session_id), ttl_ms = ?, expires_at = ? WHERE token = ?',
        hold.commit,
        hold.sessionId,
        ttlMs,
        now + ttlMs,
        token,
      );
    }
    yield* recordEvent(store, {
      kind: 'hold',
      sessionId: hold.sessionId,
      actor,
      token,
      pattern: hold.path,
      detail: { branch: hold.branch, commit: hold.commit, from: hold.token, expiresAt: now + ttlMs },
    });
  }
}

function* endHold(store: Store, row: HoldRow, reason: string, actor: string | null): Body<void> {
  yield* run('UPDATE branch_holds SET ended_at = ?, end_reason = ? WHERE token = ? AND ended_at IS NULL', store.now(), reason, row.token);
  yield* recordEvent(store, {
    kind: 'hold-end',
    sessionId: row.session_id,
    actor,
    token: row.token,
    pattern: row.path,
    detail: { branch: row.branch, reason },
  });
}

/** Ends the given holds (each still live) with `reason`, in one transaction. */
export function endHolds(store: Store, tokens: number[], reason: string, actor: string | null): Promise<number> {
  return store.write(function* () {
    let ended = 0;
    for (const token of tokens) {
      const row = yield* get<HoldRow>('SELECT * FROM branch_holds WHERE token = ? AND ended_at IS NULL', token);
      if (row === undefined) continue;
      yield* endHold(store, row, reason, actor);
      ended++;
    }
    return ended;
  });
}

/** Every live hold of `branch`, ended early on request (`release --branch`): logged with who did it. */
export function releaseBranch(store: Store, branch: string, actor: string | null): Promise<HeldLease[]> {
  return store.write(function* () {
    const rows = yield* all<HoldRow>('SELECT * FROM branch_holds WHERE ended_at IS NULL AND branch = ? ORDER BY token', branch);
    const held: HeldLease[] = [];
    for (const row of rows) held.push(yield* toHeldHold(row));
    for (const row of rows) yield* endHold(store, row, 'released', actor);
    return held;
  });
}

/** The live holds not past their TTL (of one branch, when given), in token order. */
export function* liveHoldRows(store: Store, options: { branch?: string } = {}): Body<HoldRow[]> {
  const now = store.now();
  if (options.branch !== undefined) {
    return yield* all<HoldRow>('SELECT * FROM branch_holds WHERE ended_at IS NULL AND expires_at > ? AND branch = ? ORDER BY token', now, options.branch);
  }
  return yield* all<HoldRow>('SELECT * FROM branch_holds WHERE ended_at IS NULL AND expires_at > ? ORDER BY token', now);
}

export function liveHolds(store: Store, options: { branch?: string } = {}): Promise<HoldRow[]> {
  return store.read(() => liveHoldRows(store, options));
}

/** The live holds not past their TTL, as held leases, in token order. */
export function liveHoldLeases(store: Store): Promise<HeldLease[]> {
  return store.read(() => heldHolds(store));
}

export function* heldHolds(store: Store): Body<HeldLease[]> {
  const worked = new Map<string, boolean>();
  const held: HeldLease[] = [];
  for (const row of yield* liveHoldRows(store)) held.push(yield* toHeldHold(row, worked));
  return held;
}

/** Whether any live session works on `branch`: told to those a hold stops. */
function* branchWorkedOn(branch: string): Body<boolean> {
  const sessions = yield* all<SessionRow>('SELECT * FROM sessions WHERE ended_at IS NULL AND branch = ?', branch);
  return sessions.some(isSessionRowAlive);
}

/** A hold as a held lease: its holder is the branch (`branch:<name>`), alive while a live session works on it. */
export function* toHeldHold(row: HoldRow, worked: Map<string, boolean> = new Map()): Body<HeldLease> {
  let alive = worked.get(row.branch);
  if (alive === undefined) {
    alive = yield* branchWorkedOn(row.branch);
    worked.set(row.branch, alive);
  }
  return {
    token: row.token,
    pattern: row.path,
    glob: false,
    mode: 'exclusive',
    sessionId: row.session_id ?? `branch:${row.branch}`,
    task: null,
    source: 'branch',
    acquiredAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    releasedAt: row.ended_at === null ? null : new Date(row.ended_at),
    releaseReason: row.end_reason,
    worktree: row.worktree,
    agentId: null,
    holder: { id: `branch:${row.branch}`, name: `branch ${row.branch}`, runtime: 'branch', worktree: row.worktree, branch: row.branch, alive },
    hold: { branch: row.branch, commit: row.commit_id, sessionId: row.session_id },
  };
}
