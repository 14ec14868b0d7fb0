// Sessions: one agent (or person, or script) working. A session with an agent process is alive
// while that process runs (same pid, same start time); one without (made from the command line)
// lives until ended, its leases until released or expired.
import { AgentLeaseError } from '../util/errors';
import { recordEvent } from './events';
import { heartbeatFresh } from './heartbeat';
import { ON_THIS_HOST_SQL, currentHostId, currentHostName, onThisHost, thisHostParams } from './host';
import { isProcessAlive, type ProcessIdentity } from './processes';
import { all, get, run, type Body, type Store } from './store';

export interface Session {
  id: string;
  name: string;
  runtime: string;
  worktree: string | null;
  branch: string | null;
  pid: number | null;
  /** The agent process's start time (with `pid`, its identity). */
  pidStart: string | null;
  host: string;
  startedAt: Date;
  lastSeenAt: Date;
  endedAt: Date | null;
  /** Set from a SessionEnd after which the same process goes on under a new id (/clear, resume). */
  handoverAt: Date | null;
  alive: boolean;
}

export interface SessionRegistration {
  id: string;
  /** Shown to other agents and people; defaults to a short form of the id. */
  name?: string;
  runtime: string;
  worktree?: string | null;
  branch?: string | null;
  /** The agent process; omit for sessions made from the command line. */
  process?: ProcessIdentity | null;
}

export interface SessionRow {
  id: string;
  name: string;
  runtime: string;
  worktree: string | null;
  branch: string | null;
  pid: number | null;
  pid_start: string | null;
  host: string;
  host_id: string | null;
  started_at: number;
  last_seen_at: number;
  ended_at: number | null;
  handover_at: number | null;
  handover_reason: string | null;
}

/** Creates the session, or refreshes it (process, worktree, branch, last seen; un-ends it). */
export function registerSession(store: Store, registration: SessionRegistration): Promise<Session> {
  return store.write(function* () {
    const now = store.now();
    const existing = yield* sessionRow(registration.id);
    const pid = registration.process?.pid ?? null;
    const pidStart = registration.process?.startedAt ?? null;
    // worktree, branch, pid, pid_start, host, host_id, last_seen_at: what a registration sets, in that order.
    const fields = [registration.worktree ?? null, registration.branch ?? null, pid, pidStart, currentHostName(), currentHostId(), now];
    if (existing === undefined) {
      yield* run(
        `INSERT INTO sessions (id, name, runtime, worktree, branch, pid, pid_start, host, host_id, started_at, last_seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        registration.id,
        registration.name ?? defaultName(registration.id),
        registration.runtime,
        ...fields,
        now,
      );
      yield* recordEvent(store, {
        kind: 'session-start',
        sessionId: registration.id,
        detail: { runtime: registration.runtime, worktree: registration.worktree ?? null, pid },
      });
    } else {
      yield* run(
        `UPDATE sessions SET name = ?, worktree = coalesce(?, worktree), branch = coalesce(?, branch),
           pid = coalesce(?, pid), pid_start = coalesce(?, pid_start), host = ?, host_id = ?, last_seen_at = ?, ended_at = NULL,
           handover_at = NULL, handover_reason = NULL
         WHERE id = ?`,
        registration.name ?? existing.name,
        ...fields,
        registration.id,
      );
      if (existing.ended_at !== null) yield* recordEvent(store, { kind: 'session-start', sessionId: registration.id, detail: { resumed: true, pid } });
    }
    return toSession((yield* sessionRow(registration.id))!);
  });
}

/** Bumps `lastSeenAt` of an open session; false when the session is unknown or has ended. */
export function touchSession(store: Store, id: string): Promise<boolean> {
  return store.write(function* () {
    return (yield* run('UPDATE sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL', store.now(), id)).changes > 0;
  });
}

/** Thrown inside a transaction acting for a session that is unknown or has ended. */
export class SessionNotOpenError extends AgentLeaseError {}

/** Inside a transaction: throws SessionNotOpenError unless the session is registered and has not ended. */
export function* requireOpenSession(sessionId: string): Body<void> {
  const row = yield* get<Pick<SessionRow, 'ended_at'>>('SELECT ended_at FROM sessions WHERE id = ?', sessionId);
  if (row === undefined) throw new SessionNotOpenError(`unknown session "${sessionId}": register it first`);
  if (row.ended_at !== null) throw new SessionNotOpenError(`session "${sessionId}" has ended`);
}

/** Whether the session is registered and has not ended: a read, no write. */
export async function sessionIsOpen(store: Store, id: string): Promise<boolean> {
  return (await store.read(() => get('SELECT 1 FROM sessions WHERE id = ? AND ended_at IS NULL', id))) !== undefined;
}

/** Releases every lease of the session and marks it ended; returns how many leases were released. */
export function endSession(store: Store, id: string, reason = 'session-end', actor: string | null = null): Promise<number> {
  return store.write(function* () {
    const now = store.now();
    const released = (yield* run('UPDATE leases SET released_at = ?, release_reason = ? WHERE session_id = ? AND released_at IS NULL', now, reason, id))
      .changes;
    const ended = (yield* run('UPDATE sessions SET ended_at = ?, last_seen_at = ? WHERE id = ? AND ended_at IS NULL', now, now, id)).changes;
    if (ended > 0) yield* recordEvent(store, { kind: 'session-end', sessionId: id, actor, detail: { reason, released } });
    return released;
  });
}

export async function getSession(store: Store, id: string): Promise<Session | null> {
  const row = await store.read(() => sessionRow(id));
  return row === undefined ? null : toSession(row);
}

/** Open sessions (with `includeEnded`, every session), oldest first. */
export function* sessionList(options: { includeEnded?: boolean } = {}): Body<Session[]> {
  const filter = options.includeEnded ? '' : 'WHERE ended_at IS NULL';
  const rows = yield* all<SessionRow>(`SELECT * FROM sessions ${filter} ORDER BY started_at, id`);
  return rows.map(toSession);
}

export function listSessions(store: Store, options: { includeEnded?: boolean } = {}): Promise<Session[]> {
  return store.read(() => sessionList(options));
}

/** The worktrees open sessions work in (at most `limit`). */
export async function openSessionWorktrees(store: Store, limit: number): Promise<string[]> {
  const rows = await store.read(() =>
    all<{ worktree: string }>('SELECT DISTINCT worktree FROM sessions WHERE ended_at IS NULL AND worktree IS NOT NULL LIMIT ?', limit),
  );
  return rows.map((row) => row.worktree);
}

/** Live sessions registered for a worktree (others working there too); never who commits. */
export async function sessionsInWorktree(store: Store, worktree: string): Promise<Session[]> {
  const rows = await store.read(() => all<SessionRow>('SELECT * FROM sessions WHERE worktree = ? AND ended_at IS NULL', worktree));
  return rows.map(toSession).filter((session) => session.alive);
}

/**
 * A SessionEnd after which the same agent process goes on under another id (Claude Code's /clear
 * and resume): the session is not ended and keeps its leases, marked as handing over, until the
 * next SessionStart of that process carries them over (`carryOverLeases`). If none comes, the
 * process's end (liveness) or the TTLs clean up.
 */
export function handOverSession(store: Store, id: string, reason: string): Promise<boolean> {
  return store.write(function* () {
    const now = store.now();
    const marked = (yield* run(
      'UPDATE sessions SET handover_at = ?, handover_reason = ?, last_seen_at = ? WHERE id = ? AND ended_at IS NULL',
      now,
      reason,
      now,
      id,
    )).changes;
    if (marked > 0) yield* recordEvent(store, { kind: 'session-end', sessionId: id, detail: { reason, handover: true, released: 0 } });
    return marked > 0;
  });
}

/**
 * Claude Code gives a session a new id on /clear (and interactive resume) while the same process
 * runs on: moves the leases of the session of that process that handed over last (its SessionEnd
 * came just before) to `toId`, and ends it. One carry-over, one owner: another open session of the
 * same process that did not hand over keeps its leases. Returns the id taken over, if any.
 */
export function carryOverLeases(store: Store, toId: string, process: ProcessIdentity): Promise<string[]> {
  return store.write(function* () {
    const previous = yield* all<{ id: string }>(
      `SELECT id FROM sessions WHERE pid = ? AND pid_start = ? AND ended_at IS NULL AND handover_at IS NOT NULL AND id != ?
       ORDER BY handover_at DESC LIMIT 1`,
      process.pid,
      process.startedAt,
      toId,
    );
    const now = store.now();
    for (const { id } of previous) {
      // A lease the new session already holds on the same pattern wins; the old duplicate is closed.
      yield* run(
        `UPDATE leases SET released_at = ?, release_reason = 'carried-over'
         WHERE session_id = ? AND released_at IS NULL
           AND EXISTS (SELECT 1 FROM leases mine WHERE mine.session_id = ? AND mine.released_at IS NULL
                       AND mine.pattern = leases.pattern AND mine.glob = leases.glob)`,
        now,
        id,
        toId,
      );
      const moved = (yield* run('UPDATE leases SET session_id = ? WHERE session_id = ? AND released_at IS NULL', toId, id)).changes;
      yield* run('UPDATE sessions SET ended_at = ? WHERE id = ?', now, id);
      yield* recordEvent(store, { kind: 'carry-over', sessionId: toId, actor: id, detail: { from: id, leases: moved } });
    }
    return previous.map(({ id }) => id);
  });
}

/**
 * The open agent session whose process is one of `processes` (a commit's ancestors, nearest
 * first): the nearest process with a session wins; of its sessions, the one not handing over.
 * Several sessions can share one process (Agent Teams teammates run in-process), and then the
 * process alone does not say which is acting: null, rather than a guess.
 */
export function agentSessionOf(store: Store, processes: ProcessIdentity[]): Promise<Session | null> {
  return store.read(function* () {
    for (const identity of processes) {
      const rows = yield* all<SessionRow>(
        `SELECT * FROM sessions WHERE pid = ? AND pid_start = ? AND ended_at IS NULL AND ${ON_THIS_HOST_SQL}
         ORDER BY handover_at IS NOT NULL, last_seen_at DESC`,
        identity.pid,
        identity.startedAt,
        ...thisHostParams(),
      );
      if (rows.length === 0) continue;
      const acting = rows.filter((row) => row.handover_at === null);
      if (acting.length > 1) return null;
      return toSession(acting[0] ?? rows[0]!);
    }
    return null;
  });
}

/** Whether a session's holder still counts: not ended, and its agent process (if any) running. */
export function isSessionRowAlive(row: Pick<SessionRow, 'pid' | 'pid_start' | 'host' | 'host_id' | 'ended_at' | 'last_seen_at'>): boolean {
  if (row.ended_at !== null) return false;
  if (row.pid === null || row.pid_start === null) return true;
  if (!onThisHost(row)) return heartbeatFresh(row.last_seen_at);
  return isProcessAlive({ pid: row.pid, startedAt: row.pid_start });
}

function sessionRow(id: string): Body<SessionRow | undefined> {
  return get<SessionRow>('SELECT * FROM sessions WHERE id = ?', id);
}

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    name: row.name,
    runtime: row.runtime,
    worktree: row.worktree,
    branch: row.branch,
    pid: row.pid,
    pidStart: row.pid_start,
    host: row.host,
    startedAt: new Date(row.started_at),
    lastSeenAt: new Date(row.last_seen_at),
    endedAt: row.ended_at === null ? null : new Date(row.ended_at),
    handoverAt: row.handover_at === null ? null : new Date(row.handover_at),
    alive: isSessionRowAlive(row),
  };
}

function defaultName(id: string): string {
  return shortSessionId(id);
}

/** The form of a session id people see and type: the first 8 characters of a UUID, any other id whole. */
export function shortSessionId(id: string): string {
  return /^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(id) ? id.slice(0, 8) : id;
}

/**
 * The session id that `ref` names: an id as it is, else the one session whose id starts with
 * `ref` (what `status` and `log` print is such a prefix). An unknown `ref` comes back unchanged
 * (a new session's id); one that names several sessions is an error listing them.
 */
export function resolveSessionRef(store: Store, ref: string): Promise<string> {
  return store.read(function* () {
    if ((yield* sessionRow(ref)) !== undefined) return ref;
    const rows = yield* all<{ id: string }>('SELECT id FROM sessions WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT 6', ref.length, ref);
    if (rows.length === 1) return rows[0]!.id;
    if (rows.length === 0) return ref;
    const listed = rows.slice(0, 5).map(({ id }) => id);
    throw new AgentLeaseError(`"${ref}" names more than one session (${listed.join(', ')}${rows.length > 5 ? ', …' : ''}); give more of the id`);
  });
}

// Sessions that were never ended but whose agent process is gone (a crash, a kill, a SessionEnd
// hook that did not run): `gc` ends them, `doctor` reports them and ends them with --fix.
export async function staleSessions(store: Store): Promise<Session[]> {
  return (await listSessions(store)).filter((session) => !session.alive);
}

/**
 * Ends the sessions without an agent process (people, scripts, dropped files) that hold no lease
 * and have not been seen for `idleMs`: nothing else would ever end them. Returns their ids.
 */
export function endIdlePersonSessions(store: Store, idleMs: number): Promise<string[]> {
  return store.write(function* () {
    const now = store.now();
    const idle = yield* all<{ id: string }>(
      `SELECT id FROM sessions s WHERE s.ended_at IS NULL AND s.pid IS NULL AND s.last_seen_at < ?
         AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.session_id = s.id AND l.released_at IS NULL)`,
      now - idleMs,
    );
    for (const { id } of idle) {
      yield* run('UPDATE sessions SET ended_at = ? WHERE id = ?', now, id);
      yield* recordEvent(store, { kind: 'session-end', sessionId: id, detail: { reason: 'idle', released: 0 } });
    }
    return idle.map(({ id }) => id);
  });
}
