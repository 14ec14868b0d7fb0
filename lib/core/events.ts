// The event log: the audit trail of every grant, renewal, denial, release, expiry, takeover,
// forced release, refused commit and guard bypass, and acting for another session.
import { all, run, type Body, type SqlValue, type Store } from './store';

export const EVENT_KINDS = [
  'grant',
  'renew',
  'deny',
  'release',
  'expire',
  'takeover',
  'force-release',
  'bypass',
  'refuse',
  'act-as',
  'session-start',
  'session-end',
  'carry-over',
  'migrate',
  'hold',
  'hold-end',
  'agent-start',
  'agent-stop',
  'delegate',
  'ask',
  'reply',
] as const;

export type EventKind = (typeof EVENT_KINDS)[number];

export interface NewEvent {
  kind: EventKind;
  sessionId?: string | null;
  /** Who caused it, when not the session itself (a forced release, a reclaim, a bypass). */
  actor?: string | null;
  token?: number | null;
  pattern?: string | null;
  detail?: Record<string, unknown> | null;
}

export interface LeaseEvent {
  id: number;
  at: Date;
  kind: EventKind;
  sessionId: string | null;
  actor: string | null;
  token: number | null;
  pattern: string | null;
  detail: Record<string, unknown> | null;
}

interface EventRow {
  id: number;
  at: number;
  kind: EventKind;
  session_id: string | null;
  actor: string | null;
  token: number | null;
  pattern: string | null;
  detail: string | null;
}

/** Appends one event; call it inside the write transaction that did what it records. */
export function* recordEvent(store: Store, event: NewEvent): Body<void> {
  yield* run(
    'INSERT INTO events (at, kind, session_id, actor, token, pattern, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
    store.now(),
    event.kind,
    event.sessionId ?? null,
    event.actor ?? null,
    event.token ?? null,
    event.pattern ?? null,
    event.detail ? JSON.stringify(event.detail) : null,
  );
}

export interface EventQuery {
  sinceMs?: number;
  sessionId?: string;
  kinds?: EventKind[];
  limit?: number;
}

/** Events oldest first; with `limit`, the most recent `limit` of them. */
export async function readEvents(store: Store, query: EventQuery = {}): Promise<LeaseEvent[]> {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (query.sinceMs !== undefined) {
    where.push('at >= ?');
    params.push(query.sinceMs);
  }
  if (query.sessionId !== undefined) {
    where.push('(session_id = ? OR actor = ?)');
    params.push(query.sessionId, query.sessionId);
  }
  if (query.kinds !== undefined && query.kinds.length > 0) {
    where.push(`kind IN (${query.kinds.map(() => '?').join(', ')})`);
    params.push(...query.kinds);
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const limit = query.limit !== undefined ? `LIMIT ${Math.max(0, Math.floor(query.limit))}` : '';
  const rows = await store.read(() =>
    all<EventRow>(`SELECT * FROM (SELECT * FROM events ${filter} ORDER BY id DESC ${limit}) AS recent ORDER BY id`, ...params),
  );
  return rows.map((row) => ({
    id: row.id,
    at: new Date(row.at),
    kind: row.kind,
    sessionId: row.session_id,
    actor: row.actor,
    token: row.token,
    pattern: row.pattern,
    detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
  }));
}
