// Taking leases. The conflict check and the grant happen in one BEGIN IMMEDIATE transaction, so no
// two conflicting live leases can exist among processes that use this module. Expired and
// dead-holder leases found in the way are reclaimed inside that same transaction — except an
// expired lease whose holder lives and still has the change pending: that fact comes from git,
// through a function the caller gives, asked outside the transaction (which is then run again).
// Branch holds are checked here too (lib/core/branch-holds.ts), so that every "is it free" agrees:
// other branches' holds block, unless git (asked the same way) shows them integrated, their branch
// gone, or their change already in the asker's branch; a stale lease whose change is committed and
// not integrated passes to its branch instead of being reclaimed.
import { AgentLeaseError } from '../util/errors';
import {
  askHoldFacts,
  holdsInTheWay,
  passToBranch,
  toHeldHold,
  type HoldFact,
  type HoldFacts,
  type HoldMode,
  type HoldQuestion,
  type HoldRow,
  type NewHold,
} from './branch-holds';
import { moveLease, standingOf, type Holder } from './agents';
import { DEFAULT_TTL_MS } from './defaults';
import { recordEvent } from './events';
import { covers, globProblem, indexPrefix, isGlob, matchesEverything, overlaps, type LeaseTarget } from './globs';
import { candidateRows, holderAlive, leaseRow, targetOf, toHeldLease, toLease, type JoinedRow, type LeaseRow, type Liveness } from './lease-rows';
import type { Conflict, Lease, LeaseMode, LeaseSource } from './lease-types';
import { normalizePattern, validTtl } from './patterns';
import { onThisHost } from './host';
import { reclaimIfStale, worktreeRemoved } from './reclaim';
import { requireOpenSession } from './sessions';
import { get, run, type Body, type Store } from './store';

export interface AcquireOptions {
  mode?: LeaseMode;
  /**
   * An exact target inside an area the holder shares (a live shared lease of its own, the main
   * thread's or its agent's, covering the path) is taken shared, whatever `mode` says: an edit
   * inside a `claim --shared` area is shared too.
   */
  sharedInside?: boolean;
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
  /** The session's agent asking (a subagent's id); null or absent: the main thread. See agents.ts. */
  agentId?: string | null;
  /** The worktree the change this lease protects lives in (default: the session's). */
  worktree?: string | null;
  /**
   * Whether an expired lease's holder still has its change pending (git, asked outside the
   * transaction). Asked only for expired leases of live holders in the way; without it they are
   * reclaimed as any expired lease.
   */
  pendingChange?: (lease: PendingQuestion) => boolean;
  /** The asker's branch (default: its session's): holds of its own branch never conflict. */
  branch?: string | null;
  /** How other branches' holds count (default `deny`; `warn`: granted, and listed in `noticed`). */
  branchHolds?: HoldMode;
  /** Git's word on a branch hold in the way (asked outside the transaction); without it a hold stands. */
  holdFact?: (hold: HoldQuestion) => HoldFact;
  /**
   * The holds a stale (expired or dead-holder) lease in the way becomes when its change is committed
   * on its branch and not integrated (a glob claim: one per file it covers that the branch changed);
   * none when it has none. Without it stale leases are reclaimed.
   */
  committedChange?: (lease: StaleQuestion) => NewHold[];
  /** TTL of holds made from reclaimed leases (default 14 days). */
  holdTtlMs?: number;
  /** Only find out whether the grant would succeed: nothing is granted or renewed (stale leases in the way are still reclaimed). */
  checkOnly?: boolean;
  /** A waiter's attempt: its conflicts are not logged as denials (it asks again and again). */
  unlogged?: boolean;
}

/** A stale lease in the way, whose committed change may pass to its branch. */
export interface StaleQuestion extends PendingQuestion {
  token: number;
  sessionId: string;
  /** The branch its session recorded: where the change is once its worktree is gone. */
  branch: string | null;
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
  /** Other branches' holds the grant went ahead over (`branchHolds: "warn"`). */
  noticed: Conflict[];
}

/** What one asked-for target meets: the session's own lease on it (or covering it), and the live leases in its way. */
interface TargetPlan {
  target: LeaseTarget;
  /** The mode it is taken in (see `sharedInside`). */
  mode: LeaseMode;
  own: LeaseRow | undefined;
  blockers: JoinedRow[];
  holds: HoldRow[];
}

/**
 * Git facts asked between transactions: whether expired leases of live holders have their change
 * pending, what git says of branch holds in the way, and which stale leases leave a committed change.
 */
interface PendingFacts {
  known: Map<number, boolean>;
  unknown: JoinedRow[];
  ask: ((lease: PendingQuestion) => boolean) | undefined;
  holds: HoldFacts;
  /** Stale leases in the way: the hold each becomes (null: none), and those still to ask about. */
  committed: Map<number, NewHold[]>;
  unknownStale: JoinedRow[];
  askCommitted: ((lease: StaleQuestion) => NewHold[]) | undefined;
  holdMode: HoldMode;
  holdTtlMs: number;
  branch: string | null | undefined;
}

/** Transactions at most, when the git facts asked between them keep changing. */
const MAX_ATTEMPTS = 4;

/** Each pattern is a glob when it has glob characters (unless `exact`), or a target that says which it is. */
export async function acquire(
  store: Store,
  sessionId: string,
  patterns: ReadonlyArray<string | LeaseTarget>,
  options: AcquireOptions = {},
): Promise<AcquireResult> {
  const mode = options.mode ?? 'exclusive';
  const source = options.source ?? 'claim';
  const ttlMs = validTtl(options.ttlMs ?? DEFAULT_TTL_MS[source]);
  const targets = leaseTargets(patterns, options);
  const known = new Map<number, boolean>();
  const holdKnown = new Map<number, HoldFact>();
  const committed = new Map<number, NewHold[]>();
  const holder: Holder = { sessionId, agentId: options.agentId ?? null };
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= MAX_ATTEMPTS;
    const facts: PendingFacts = {
      known,
      unknown: [],
      ask: last ? undefined : options.pendingChange,
      holds: { known: holdKnown, unknown: [], ask: last ? undefined : options.holdFact },
      committed,
      unknownStale: [],
      askCommitted: last ? undefined : options.committedChange,
      holdMode: options.branchHolds ?? 'deny',
      holdTtlMs: options.holdTtlMs ?? DEFAULT_TTL_MS.branch,
      branch: options.branch,
    };
    const outcome = await store.write(function* () {
      yield* requireOpenSession(sessionId);
      const now = store.now();
      const plans = yield* planTargets(store, holder, targets, { mode, sharedInside: options.sharedInside === true }, now, facts);
      if (facts.unknown.length > 0 || facts.holds.unknown.length > 0 || facts.unknownStale.length > 0) return null;
      return yield* grantPlans(
        store,
        plans,
        {
          sessionId,
          agentId: holder.agentId,
          mode,
          source,
          ttlMs,
          task: options.task ?? null,
          worktree: options.worktree ?? null,
          expiresAt: now + ttlMs,
          now,
        },
        options,
      );
    });
    if (outcome !== null) return outcome;
    for (const row of facts.unknown) known.set(row.token, askPending(facts.ask!, row));
    askHoldFacts(facts.holds);
    for (const row of facts.unknownStale) committed.set(row.token, askCommitted(facts.askCommitted!, row));
  }
}

function askCommitted(ask: (lease: StaleQuestion) => NewHold[], row: JoinedRow): NewHold[] {
  try {
    return ask({
      token: row.token,
      sessionId: row.session_id,
      pattern: row.pattern,
      glob: row.glob === 1,
      worktree: row.worktree ?? row.s_worktree,
      branch: row.s_branch,
    });
  } catch {
    return [];
  }
}

function askPending(ask: (lease: PendingQuestion) => boolean, row: JoinedRow): boolean {
  // Another host's worktree cannot be asked: its change counts as pending while its holder's heartbeat is fresh.
  if (row.s_host !== null && !onThisHost({ host: row.s_host, host_id: row.s_host_id })) return true;
  try {
    return ask({ pattern: row.pattern, glob: row.glob === 1, worktree: row.worktree ?? row.s_worktree });
  } catch {
    return false;
  }
}

function* grantPlans(store: Store, plans: TargetPlan[], grant: Grant, options: AcquireOptions): Body<AcquireResult> {
  const warnOnly = options.branchHolds === 'warn';
  const worked = new Map<string, boolean>();
  function* holdConflicts(plan: TargetPlan): Body<Conflict[]> {
    const conflicts: Conflict[] = [];
    for (const row of plan.holds) conflicts.push({ pattern: plan.target.pattern, held: yield* toHeldHold(row, worked) });
    return conflicts;
  }
  const noticed: Conflict[] = [];
  if (warnOnly) for (const plan of plans) noticed.push(...(yield* holdConflicts(plan)));
  const blocked = plans.filter((plan) => plan.blockers.length > 0 || (!warnOnly && plan.holds.length > 0));
  const news: TargetPlan[] = [];
  for (const plan of blocked) if (!options.denyOnce || !(yield* deniedBefore(store, grant.sessionId, plan))) news.push(plan);
  for (const plan of options.unlogged ? [] : news) {
    yield* recordEvent(store, {
      kind: 'deny',
      sessionId: grant.sessionId,
      pattern: plan.target.pattern,
      detail: {
        ...(grant.agentId === null ? {} : { agent: grant.agentId }),
        mode: plan.mode,
        source: grant.source,
        heldBy: [
          ...plan.blockers.map((row) => ({ token: row.token, session: row.session_id, agent: row.agent_id, pattern: row.pattern })),
          ...(warnOnly ? [] : plan.holds.map((row) => ({ token: row.token, branch: row.branch, pattern: row.path }))),
        ],
        ...(options.denyOnce ? { once: true } : {}),
      },
    });
  }
  const conflicts: Conflict[] = [];
  for (const plan of news) {
    conflicts.push(...plan.blockers.map((row) => ({ pattern: plan.target.pattern, held: toHeldLease(row) })));
    if (!warnOnly) conflicts.push(...(yield* holdConflicts(plan)));
  }
  const result: AcquireResult = { ok: blocked.length === 0, granted: [], renewed: [], conflicts, noticed };
  if ((blocked.length > 0 && !options.partial) || options.checkOnly) return result;
  const renewedTokens = new Set<number>();
  for (const plan of plans) {
    if (blocked.includes(plan)) continue;
    const planned = { ...grant, mode: plan.mode };
    if (plan.own === undefined) result.granted.push(yield* insertLease(store, plan.target, planned));
    else if (!renewedTokens.has(plan.own.token)) {
      renewedTokens.add(plan.own.token);
      if ((plan.own.agent_id ?? null) !== grant.agentId) yield* moveLease(store, plan.own, grant.agentId, 'taken by a subagent');
      result.renewed.push(yield* renewOwn(store, plan.own, plan.target, planned));
    }
  }
  return result;
}

/** Whether the session's last say-once denial on this target named the very leases that block it now. */
function* deniedBefore(store: Store, sessionId: string, plan: TargetPlan): Body<boolean> {
  const last = yield* get<{ detail: string | null }>(
    `SELECT detail FROM events WHERE session_id = ? AND kind = 'deny' AND pattern = ? AND ${store.dialect.jsonText('detail', 'once')} IS NOT NULL ORDER BY id DESC LIMIT 1`,
    sessionId,
    plan.target.pattern,
  );
  if (last?.detail == null) return false;
  const heldBy = (JSON.parse(last.detail) as { heldBy?: Array<{ token?: unknown }> }).heldBy ?? [];
  const before = new Set(heldBy.map((held) => held.token));
  const now = [...plan.blockers, ...plan.holds].map((row) => row.token);
  return now.length === before.size && now.every((token) => before.has(token));
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
 * For each target, the holder's own lease on it and the blockers; stale leases in the way are
 * reclaimed. A live lease of the holder's own, of the same mode, covering an exact target (a file
 * inside a glob it claimed) is its own lease on it: renewed, not duplicated. Within the session
 * (agents.ts): the main thread's lease on the very target is a subagent's to take (moved to it when
 * granted); a main-thread glob around it is no obstacle (the subagent gets its own lease on the
 * file); another agent's lease is in the way, unless expired, when it goes back to the main thread.
 */
function* planTargets(
  store: Store,
  holder: Holder,
  targets: LeaseTarget[],
  asked: { mode: LeaseMode; sharedInside: boolean },
  now: number,
  facts: PendingFacts,
): Body<TargetPlan[]> {
  const { sessionId } = holder;
  const liveness: Liveness = new Map();
  const reclaimed = new Set<number>();
  const plans: TargetPlan[] = [];
  for (const target of targets) {
    let own: LeaseRow | undefined;
    let covering: LeaseRow | undefined;
    const blockers: JoinedRow[] = [];
    const rows = yield* candidateRows(target);
    const mode = asked.sharedInside && rows.some((row) => sharesArea(holder, row, target, now)) ? 'shared' : asked.mode;
    for (const row of rows) {
      if (reclaimed.has(row.token)) continue;
      let standing = standingOf(holder, row);
      if (standing === 'within' && row.expires_at <= now) {
        yield* moveLease(store, row, null, 'expired');
        standing = standingOf(holder, row);
      }
      const same = row.pattern === target.pattern && Boolean(row.glob) === target.glob;
      if (standing === 'own' || (standing === 'delegated' && same)) {
        if (same) own = row;
        else if (!target.glob && row.glob === 1 && row.mode === mode && row.expires_at > now && covers(targetOf(row), target.pattern)) covering ??= row;
        continue;
      }
      if (standing === 'delegated') continue;
      if (mode === 'shared' && row.mode === 'shared') continue;
      if (!overlaps(targetOf(row), target)) continue;
      if (standing === 'within') {
        blockers.push(row);
        continue;
      }
      if (yield* standsOnPendingChange(store, row, now, liveness, facts, sessionId)) {
        blockers.push(row);
        continue;
      }
      const passed = yield* passesToBranch(store, row, now, liveness, facts, sessionId);
      if (passed === 'unknown') {
        blockers.push(row);
        continue;
      }
      if (passed) {
        reclaimed.add(row.token);
        continue;
      }
      if (yield* reclaimIfStale(store, row, now, liveness, sessionId)) {
        reclaimed.add(row.token);
        continue;
      }
      blockers.push(row);
    }
    const holds = facts.holdMode === 'off' ? [] : yield* holdsInTheWay(store, target, yield* askerBranch(), now, facts.holds, sessionId);
    plans.push({ target, mode, own: own ?? covering, blockers, holds });
  }
  return plans;

  function* askerBranch(): Body<string | null> {
    if (facts.branch === undefined) {
      const row = yield* get<{ branch: string | null }>('SELECT branch FROM sessions WHERE id = ?', sessionId);
      facts.branch = row?.branch ?? null;
    }
    return facts.branch;
  }
}

/** Whether `row` is a live shared lease of the holder's own (its main thread's or its agent's) covering the exact `target`. */
function sharesArea(holder: Holder, row: LeaseRow, target: LeaseTarget, now: number): boolean {
  return (
    !target.glob &&
    row.session_id === holder.sessionId &&
    row.mode === 'shared' &&
    row.expires_at > now &&
    (row.agent_id === null || row.agent_id === holder.agentId) &&
    covers(targetOf(row), target.pattern)
  );
}

/**
 * A stale lease (expired, its holder gone, or its worktree removed) whose change is committed on
 * its branch and not integrated passes to that branch instead of being reclaimed: a killed agent
 * that committed, or a removed worktree whose branch stays, leaves a hold, not a free file.
 * `unknown`: git is still to be asked (outside the transaction).
 */
function* passesToBranch(store: Store, row: JoinedRow, now: number, liveness: Liveness, facts: PendingFacts, actor: string): Body<boolean | 'unknown'> {
  if (facts.holdMode === 'off' || row.source === 'file') return false;
  if (row.expires_at > now && holderAlive(row, liveness) && !worktreeRemoved(row)) return false;
  if (!facts.committed.has(row.token)) {
    if (facts.askCommitted === undefined) return false;
    facts.unknownStale.push(row);
    return 'unknown';
  }
  const holds = facts.committed.get(row.token)!;
  if (holds.length === 0) return false;
  yield* passToBranch(store, holds, facts.holdTtlMs, actor);
  return true;
}

/**
 * An expired lease whose holder lives and has the change pending stands, renewed for its own TTL
 * on the holder's behalf (logged with who found it). Unknown facts are noted to be asked outside
 * the transaction; until then the lease counts as standing.
 */
function* standsOnPendingChange(store: Store, row: JoinedRow, now: number, liveness: Liveness, facts: PendingFacts, actor: string): Body<boolean> {
  if (facts.ask === undefined && !facts.known.has(row.token)) return false;
  if (row.expires_at > now || !holderAlive(row, liveness)) return false;
  const pending = facts.known.get(row.token);
  if (pending === undefined) {
    facts.unknown.push(row);
    return true;
  }
  if (!pending) return false;
  row.expires_at = now + row.ttl_ms;
  yield* run('UPDATE leases SET expires_at = ? WHERE token = ?', row.expires_at, row.token);
  yield* recordEvent(store, {
    kind: 'renew',
    sessionId: row.session_id,
    actor,
    token: row.token,
    pattern: row.pattern,
    detail: { expiresAt: row.expires_at, reason: 'change pending' },
  });
  return true;
}

/** The most a lease's expiry may lag behind its last renewal's asking (see renewOwn). */
const RENEWAL_STEP_MAX_MS = 60_000;

interface Grant {
  sessionId: string;
  agentId: string | null;
  mode: LeaseMode;
  source: LeaseSource;
  ttlMs: number;
  task: string | null;
  worktree: string | null;
  expiresAt: number;
  now: number;
}

/**
 * Renewal never shortens: a 2-hour claim edited under a 15-minute edit TTL keeps its 2 hours. A
 * renewal that would change nothing but move the expiry by less than a twentieth of the TTL asked
 * for (at most a minute) is not made: an agent's edits of one file in a row renew its lease once, not with
 * a write and a log entry each.
 */
function* renewOwn(store: Store, own: LeaseRow, target: LeaseTarget, grant: Grant): Body<Lease> {
  const expiresAt = Math.max(own.expires_at, grant.expiresAt);
  const ttlMs = Math.max(own.ttl_ms, grant.ttlMs);
  const exact = own.pattern === target.pattern;
  const unchanged =
    ttlMs === own.ttl_ms &&
    grant.mode === own.mode &&
    (!exact || ((grant.task === null || grant.task === own.task) && (grant.worktree === null || grant.worktree === own.worktree)));
  // Measured against the TTL asked for now: a lease that once had a long TTL still gets a short one's full renewal.
  if (unchanged && expiresAt - own.expires_at < Math.min(RENEWAL_STEP_MAX_MS, grant.ttlMs / 20)) return toLease(own);
  yield* run(
    'UPDATE leases SET expires_at = ?, ttl_ms = ?, mode = ?, task = coalesce(?, task), worktree = coalesce(?, worktree) WHERE token = ?',
    expiresAt,
    ttlMs,
    grant.mode,
    exact ? grant.task : null,
    exact ? grant.worktree : null,
    own.token,
  );
  yield* recordEvent(store, { kind: 'renew', sessionId: grant.sessionId, token: own.token, pattern: own.pattern, detail: { expiresAt } });
  return toLease((yield* leaseRow(own.token))!);
}

function* insertLease(store: Store, target: LeaseTarget, grant: Grant): Body<Lease> {
  const row = (yield* get<LeaseRow>(
    `INSERT INTO leases (session_id, pattern, glob, prefix, mode, task, source, acquired_at, ttl_ms, expires_at, worktree, agent_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
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
    grant.agentId,
  ))!;
  const { token } = row;
  store.persistAfterCommit();
  yield* recordEvent(store, {
    kind: 'grant',
    sessionId: grant.sessionId,
    token,
    pattern: target.pattern,
    detail: { mode: grant.mode, source: grant.source, expiresAt: grant.expiresAt, ...(grant.agentId === null ? {} : { agent: grant.agentId }) },
  });
  return toLease(row);
}
