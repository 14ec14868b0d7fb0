// Taking leases. The conflict check and the grant happen in one BEGIN IMMEDIATE transaction, so no
// two conflicting live leases can exist among processes that use this module. Expired and
// dead-holder leases found in the way are reclaimed inside that same transaction.
import { AgentLeaseError } from '../util/errors';
import { DEFAULT_TTL_MS } from './defaults';
import { recordEvent } from './events';
import { globProblem, indexPrefix, isGlob, matchesEverything, overlaps, type LeaseTarget } from './globs';
import { candidateRows, leaseRow, targetOf, toHeldLease, toLease, type JoinedRow, type LeaseRow, type Liveness } from './lease-rows';
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
}

export interface AcquireResult {
  ok: boolean;
  granted: Lease[];
  renewed: Lease[];
  conflicts: Conflict[];
}

/** What one asked-for target meets: the session's own lease on it, and the live leases in its way. */
interface TargetPlan {
  target: LeaseTarget;
  own: LeaseRow | undefined;
  blockers: JoinedRow[];
}

/** Each pattern is a glob when it has glob characters (unless `exact`), or a target that says which it is. */
export function acquire(store: Store, sessionId: string, patterns: ReadonlyArray<string | LeaseTarget>, options: AcquireOptions = {}): AcquireResult {
  const mode = options.mode ?? 'exclusive';
  const source = options.source ?? 'claim';
  const ttlMs = validTtl(options.ttlMs ?? DEFAULT_TTL_MS[source]);
  const targets = leaseTargets(patterns, options);
  return store.write(() => {
    requireOpenSession(store, sessionId);
    const now = store.now();
    const plans = planTargets(store, sessionId, targets, mode, now);
    const blocked = plans.filter((plan) => plan.blockers.length > 0);
    const news = options.denyOnce ? blocked.filter((plan) => !deniedBefore(store, sessionId, plan)) : blocked;
    for (const plan of news) {
      recordEvent(store, {
        kind: 'deny',
        sessionId,
        pattern: plan.target.pattern,
        detail: {
          mode,
          source,
          heldBy: plan.blockers.map((row) => ({ token: row.token, session: row.session_id, pattern: row.pattern })),
          ...(options.denyOnce ? { once: true } : {}),
        },
      });
    }
    const conflicts = news.flatMap((plan) => plan.blockers.map((row) => ({ pattern: plan.target.pattern, held: toHeldLease(row) })));
    const result: AcquireResult = { ok: blocked.length === 0, granted: [], renewed: [], conflicts };
    if (blocked.length > 0 && !options.partial) return result;
    const grant = { sessionId, mode, source, ttlMs, task: options.task ?? null, expiresAt: now + ttlMs, now };
    for (const plan of plans) {
      if (plan.blockers.length > 0) continue;
      if (plan.own) result.renewed.push(renewOwn(store, plan.own, grant));
      else result.granted.push(insertLease(store, plan.target, grant));
    }
    return result;
  });
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
      throw new AgentLeaseError(`pattern "${pattern}" would lease the whole repository; name a narrower area (or force it)`);
    }
    const key = `${target.glob ? 'g' : 'p'}:${target.pattern}`;
    if (seen.has(key)) continue;
    seen.add(key);
    targets.push(target);
  }
  return targets;
}

/** For each target, the session's own lease on it and the blockers; stale leases in the way are reclaimed. */
function planTargets(store: Store, sessionId: string, targets: LeaseTarget[], mode: LeaseMode, now: number): TargetPlan[] {
  const liveness: Liveness = new Map();
  const reclaimed = new Set<number>();
  return targets.map((target) => {
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
}

interface Grant {
  sessionId: string;
  mode: LeaseMode;
  source: LeaseSource;
  ttlMs: number;
  task: string | null;
  expiresAt: number;
  now: number;
}

function renewOwn(store: Store, own: LeaseRow, grant: Grant): Lease {
  store
    .statement('UPDATE leases SET expires_at = ?, ttl_ms = ?, mode = ?, task = coalesce(?, task) WHERE token = ?')
    .run(grant.expiresAt, grant.ttlMs, grant.mode, grant.task, own.token);
  recordEvent(store, { kind: 'renew', sessionId: grant.sessionId, token: own.token, pattern: own.pattern, detail: { expiresAt: grant.expiresAt } });
  return toLease(leaseRow(store, own.token)!);
}

function insertLease(store: Store, target: LeaseTarget, grant: Grant): Lease {
  const { lastInsertRowid } = store
    .statement(
      `INSERT INTO leases (session_id, pattern, glob, prefix, mode, task, source, acquired_at, ttl_ms, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
