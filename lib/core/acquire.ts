// Taking leases. The conflict check and the grant happen in one BEGIN IMMEDIATE transaction, so no
// two conflicting live leases can exist among processes that use this module. Expired and
// dead-holder leases found in the way are reclaimed inside that same transaction — except an
// expired lease whose holder lives and still has the change pending: that fact comes from git,
// through a function the caller gives, asked outside the transaction (which is then run again).
import { AgentLeaseError } from '../util/errors';
import { DEFAULT_TTL_MS } from './defaults';
import { recordEvent } from './events';
import { covers, globProblem, indexPrefix, isGlob, matchesEverything, overlaps, type LeaseTarget } from './globs';
import { candidateRows, holderAlive, leaseRow, targetOf, toHeldLease, toLease, type JoinedRow, type LeaseRow, type Liveness } from './lease-rows';
import type { Conflict, Lease, LeaseMode, LeaseSource } from './lease-types';
import { normalizePattern, validTtl } from './patterns';
import { reclaimIfStale } from './reclaim';
import type { SessionRow } from './sessions';
import type { Store } from './store';

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
  /**
   * A conflict this session was already denied (same pattern, same blocking leases) is neither
   * logged again nor reported: for warnings that cannot stop anything and need saying only once.
   */
  denyOnce?: boolean;
  /** The worktree the change this lease protects lives in (default: the session's). */
  worktree?: string | null;
  /**
   * Whether an expired lease's holder still has its change pending (git, asked outside the
   * transaction). Asked only for expired leases of live holders in the way; without it they are
   * reclaimed as any expired lease.
   */
  pendingChange?: (lease: PendingQuestion) => boolean;
  /** Only find out whether the grant would succeed: nothing is granted or renewed (stale leases in the way are still reclaimed). */
  checkOnly?: boolean;
  /** A waiter's attempt: its conflicts are not logged as denials (it asks again and again). */
  unlogged?: boolean;
}

/** An expired lease of a live holder, and where its change would be. */
export interface PendingQuestion {
  pattern: string;
  glob: boolean;
  worktree: string | null;
}

export interface AcquireResult {
  ok: boolean;
  granted: Lease[];
  renewed: Lease[];
  conflicts: Conflict[];
}

/** What one asked-for target meets: the session's own lease on it (or covering it), and the live leases in its way. */
interface TargetPlan {
  target: LeaseTarget;
  own: LeaseRow | undefined;
  blockers: JoinedRow[];
}

/** Expired leases of live holders whose pending change decides whether they stand. */
interface PendingFacts {
  known: Map<number, boolean>;
  unknown: JoinedRow[];
  ask: ((lease: PendingQuestion) => boolean) | undefined;
}

/** Transactions at most, when the pending-change facts asked between them keep changing. */
const MAX_ATTEMPTS = 3;

/** Each pattern is a glob when it has glob characters (unless `exact`), or a target that says which it is. */
export function acquire(store: Store, sessionId: string, patterns: ReadonlyArray<string | LeaseTarget>, options: AcquireOptions = {}): AcquireResult {
  const mode = options.mode ?? 'exclusive';
  const source = options.source ?? 'claim';
  const ttlMs = validTtl(options.ttlMs ?? DEFAULT_TTL_MS[source]);
  const targets = leaseTargets(patterns, options);
  const known = new Map<number, boolean>();
  for (let attempt = 1; ; attempt++) {
    const facts: PendingFacts = { known, unknown: [], ask: attempt < MAX_ATTEMPTS ? options.pendingChange : undefined };
    const outcome = store.write(() => {
      requireOpenSession(store, sessionId);
      const now = store.now();
      const plans = planTargets(store, sessionId, targets, mode, now, facts);
      if (facts.unknown.length > 0) return null;
      return grantPlans(
        store,
        plans,
        { sessionId, mode, source, ttlMs, task: options.task ?? null, worktree: options.worktree ?? null, expiresAt: now + ttlMs, now },
        options,
      );
    });
    if (outcome !== null) return outcome;
    for (const row of facts.unknown) known.set(row.token, askPending(facts.ask!, row));
  }
}

function askPending(ask: (lease: PendingQuestion) => boolean, row: JoinedRow): boolean {
  try {
    return ask({ pattern: row.pattern, glob: row.glob === 1, worktree: row.worktree ?? row.s_worktree });
  } catch {
    return false;
  }
}

function grantPlans(store: Store, plans: TargetPlan[], grant: Grant, options: AcquireOptions): AcquireResult {
  const blocked = plans.filter((plan) => plan.blockers.length > 0);
  const news = options.denyOnce ? blocked.filter((plan) => !deniedBefore(store, grant.sessionId, plan)) : blocked;
  for (const plan of options.unlogged ? [] : news) {
    recordEvent(store, {
      kind: 'deny',
      sessionId: grant.sessionId,
      pattern: plan.target.pattern,
      detail: {
        mode: grant.mode,
        source: grant.source,
        heldBy: plan.blockers.map((row) => ({ token: row.token, session: row.session_id, pattern: row.pattern })),
        ...(options.denyOnce ? { once: true } : {}),
      },
    });
  }
  const conflicts = news.flatMap((plan) => plan.blockers.map((row) => ({ pattern: plan.target.pattern, held: toHeldLease(row) })));
  const result: AcquireResult = { ok: blocked.length === 0, granted: [], renewed: [], conflicts };
  if ((blocked.length > 0 && !options.partial) || options.checkOnly) return result;
  const renewedTokens = new Set<number>();
  for (const plan of plans) {
    if (plan.blockers.length > 0) continue;
    if (plan.own === undefined) result.granted.push(insertLease(store, plan.target, grant));
    else if (!renewedTokens.has(plan.own.token)) {
      renewedTokens.add(plan.own.token);
      result.renewed.push(renewOwn(store, plan.own, plan.target, grant));
    }
  }
  return result;
}

/** Whether the session's last say-once denial on this target named the very leases that block it now. */
function deniedBefore(store: Store, sessionId: string, plan: TargetPlan): boolean {
  const last = store
    .statement(
      "SELECT detail FROM events WHERE session_id = ? AND kind = 'deny' AND pattern = ? AND json_extract(detail, '$.once') IS NOT NULL ORDER BY id DESC LIMIT 1",
    )
    .get(sessionId, plan.target.pattern) as { detail: string | null } | undefined;
  if (last?.detail == null) return false;
  const heldBy = (JSON.parse(last.detail) as { heldBy?: Array<{ token?: unknown }> }).heldBy ?? [];
  const before = new Set(heldBy.map((held) => held.token));
  return plan.blockers.length === before.size && plan.blockers.every((row) => before.has(row.token));
}

/** The patterns as lease targets, each checked: a glob must be one agent-lease understands and not cover everything (unless allowed). */
function leaseTargets(patterns: ReadonlyArray<string | LeaseTarget>, options: AcquireOptions): LeaseTarget[] {
  const seen = new Set<string>();
  const targets: LeaseTarget[] = [];
  for (const given of patterns) {
    const pattern = normalizePattern(typeof given === 'string' ? given : given.pattern);
    const glob = typeof given === 'string' ? !options.exact : given.glob;
    const target = { pattern, glob: glob && isGlob(pattern) };
    const problem = target.glob ? globProblem(pattern) : null;
    if (problem !== null) throw new AgentLeaseError(`cannot lease "${pattern}": ${problem}`);
    if (target.glob && !options.allowEverything && matchesEverything(pattern)) {
      throw new AgentLeaseError(`pattern "${pattern}" would lease the whole repository; name a narrower area, or add --force`);
    }
    const key = `${target.glob ? 'g' : 'p'}:${target.pattern}`;
    if (seen.has(key)) continue;
    seen.add(key);
    targets.push(target);
  }
  return targets;
}

/**
 * For each target, the session's own lease on it and the blockers; stale leases in the way are
 * reclaimed. A live lease of the session's own, of the same mode, covering an exact target (a file
 * inside a glob it claimed) is its own lease on it: renewed, not duplicated.
 */
function planTargets(store: Store, sessionId: string, targets: LeaseTarget[], mode: LeaseMode, now: number, facts: PendingFacts): TargetPlan[] {
  const liveness: Liveness = new Map();
  const reclaimed = new Set<number>();
  return targets.map((target) => {
    let own: LeaseRow | undefined;
    let covering: LeaseRow | undefined;
    const blockers: JoinedRow[] = [];
    for (const row of candidateRows(store, target)) {
      if (reclaimed.has(row.token)) continue;
      if (row.session_id === sessionId) {
        if (row.pattern === target.pattern && Boolean(row.glob) === target.glob) own = row;
        else if (!target.glob && row.glob === 1 && row.mode === mode && row.expires_at > now && covers(targetOf(row), target.pattern)) covering ??= row;
        continue;
      }
      if (mode === 'shared' && row.mode === 'shared') continue;
      if (!overlaps(targetOf(row), target)) continue;
      if (standsOnPendingChange(store, row, now, liveness, facts, sessionId)) {
        blockers.push(row);
        continue;
      }
      if (reclaimIfStale(store, row, now, liveness, sessionId)) {
        reclaimed.add(row.token);
        continue;
      }
      blockers.push(row);
    }
    return { target, own: own ?? covering, blockers };
  });
}

/**
 * An expired lease whose holder lives and has the change pending stands, renewed for its own TTL
 * on the holder's behalf (logged with who found it). Unknown facts are noted to be asked outside
 * the transaction; until then the lease counts as standing.
 */
function standsOnPendingChange(store: Store, row: JoinedRow, now: number, liveness: Liveness, facts: PendingFacts, actor: string): boolean {
  if (facts.ask === undefined && !facts.known.has(row.token)) return false;
  if (row.expires_at > now || !holderAlive(row, liveness)) return false;
  const pending = facts.known.get(row.token);
  if (pending === undefined) {
    facts.unknown.push(row);
    return true;
  }
  if (!pending) return false;
  row.expires_at = now + row.ttl_ms;
  store.statement('UPDATE leases SET expires_at = ? WHERE token = ?').run(row.expires_at, row.token);
  recordEvent(store, {
    kind: 'renew',
    sessionId: row.session_id,
    actor,
    token: row.token,
    pattern: row.pattern,
    detail: { expiresAt: row.expires_at, reason: 'change pending' },
  });
  return true;
}

interface Grant {
  sessionId: string;
  mode: LeaseMode;
  source: LeaseSource;
  ttlMs: number;
  task: string | null;
  worktree: string | null;
  expiresAt: number;
  now: number;
}

/** Renewal never shortens: a 2-hour claim edited under a 15-minute edit TTL keeps its 2 hours. */
function renewOwn(store: Store, own: LeaseRow, target: LeaseTarget, grant: Grant): Lease {
  const expiresAt = Math.max(own.expires_at, grant.expiresAt);
  const ttlMs = Math.max(own.ttl_ms, grant.ttlMs);
  const exact = own.pattern === target.pattern;
  store
    .statement('UPDATE leases SET expires_at = ?, ttl_ms = ?, mode = ?, task = coalesce(?, task), worktree = coalesce(?, worktree) WHERE token = ?')
    .run(expiresAt, ttlMs, grant.mode, exact ? grant.task : null, exact ? grant.worktree : null, own.token);
  recordEvent(store, { kind: 'renew', sessionId: grant.sessionId, token: own.token, pattern: own.pattern, detail: { expiresAt } });
  return toLease(leaseRow(store, own.token)!);
}

function insertLease(store: Store, target: LeaseTarget, grant: Grant): Lease {
  const { lastInsertRowid } = store
    .statement(
      `INSERT INTO leases (session_id, pattern, glob, prefix, mode, task, source, acquired_at, ttl_ms, expires_at, worktree)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      grant.sessionId,
      target.pattern,
      target.glob ? 1 : 0,
      indexPrefix(target),
      grant.mode,
      grant.task,
      grant.source,
      grant.now,
      grant.ttlMs,
      grant.expiresAt,
      grant.worktree,
    );
  const token = Number(lastInsertRowid);
  store.checkpointAfterCommit();
  recordEvent(store, {
    kind: 'grant',
    sessionId: grant.sessionId,
    token,
    pattern: target.pattern,
    detail: { mode: grant.mode, source: grant.source, expiresAt: grant.expiresAt },
  });
  return toLease(leaseRow(store, token)!);
}

function requireOpenSession(store: Store, sessionId: string): void {
  const row = store.statement('SELECT ended_at FROM sessions WHERE id = ?').get(sessionId) as Pick<SessionRow, 'ended_at'> | undefined;
  if (row === undefined) throw new AgentLeaseError(`unknown session "${sessionId}": register it first`);
  if (row.ended_at !== null) throw new AgentLeaseError(`session "${sessionId}" has ended`);
}
