// Moving a repository between stores (`agent-lease store migrate`): its live sessions, unreleased
// leases, live branch holds and the handoff messages still to be told are copied from one store to
// another, either way between SQLite and PostgreSQL, in one write transaction of the target.
// Copying again copies nothing twice: a session is known by its id, a lease by its holder, pattern
// and time of grant, a hold by its branch and path, a message by its kind, sender, addressee, time
// and text. Tokens and message ids are the target's own (its sequences go on: a token is never
// reused, and the target may hold other clones' leases), and the messages naming them are given
// the target's; a lease that would conflict with one the target holds is not copied, and said so.
import { overlaps } from '../core/globs';
import { get, all, run, type Body, type SqlValue, type Store } from '../core/store';
import { recordEvent } from '../core/events';

type Row = Record<string, SqlValue>;

export interface Snapshot {
  sessions: Row[];
  leases: Row[];
  holds: Array<{ hold: Row; origin: Row | undefined }>;
  /** Oldest first, so that an ask comes before the replies naming it. */
  messages: Row[];
}

export interface MigrateResult {
  sessions: number;
  leases: number;
  holds: number;
  messages: number;
  /** Already in the target (from an earlier migrate), left as they are but for a later expiry or delivery. */
  present: number;
  /** Not copied because the target holds a conflicting lease: one line each. */
  refused: string[];
}

// The messages still to be told: those not delivered yet; and, so that the holder may still reply
// and a hold's asker is told of it once, the asks about a live lease or hold with their replies.
const LIVE_ASK = `kind = 'ask' AND (token IN (SELECT token FROM leases WHERE released_at IS NULL) OR token IN (SELECT token FROM branch_holds WHERE ended_at IS NULL))`;
const LIVE_MESSAGES = `SELECT * FROM messages WHERE delivered_at IS NULL OR (${LIVE_ASK})
  OR (kind = 'reply' AND reply_to IN (SELECT id FROM messages WHERE ${LIVE_ASK})) ORDER BY id`;

/** What is live in `store`: open sessions and those holding leases, unreleased leases, live holds with the leases they came from, messages still to be told. */
export function readLive(store: Store): Promise<Snapshot> {
  return store.read(function* () {
    const leases = yield* all<Row>('SELECT * FROM leases WHERE released_at IS NULL ORDER BY token');
    const sessions = yield* all<Row>(
      'SELECT * FROM sessions s WHERE ended_at IS NULL OR EXISTS (SELECT 1 FROM leases l WHERE l.session_id = s.id AND l.released_at IS NULL) ORDER BY started_at, id',
    );
    const holds: Snapshot['holds'] = [];
    for (const hold of yield* all<Row>('SELECT * FROM branch_holds WHERE ended_at IS NULL ORDER BY token')) {
      holds.push({ hold, origin: yield* get<Row>('SELECT * FROM leases WHERE token = ?', hold.token!) });
    }
    return { sessions, leases, holds, messages: yield* all<Row>(LIVE_MESSAGES) };
  });
}

/** Writes `snapshot` (from `from`, described for the log) into `target`. */
export function writeLive(target: Store, snapshot: Snapshot, from: string): Promise<MigrateResult> {
  return target.write(function* () {
    const result: MigrateResult = { sessions: 0, leases: 0, holds: 0, messages: 0, present: 0, refused: [] };
    // The source's tokens, as the target knows the same leases and holds.
    const tokens = new Map<SqlValue, number>();
    for (const session of snapshot.sessions) {
      const there = yield* get<{ last_seen_at: number }>('SELECT last_seen_at FROM sessions WHERE id = ?', session.id!);
      if (there === undefined) {
        yield* insert('sessions', session);
        result.sessions++;
      } else if ((session.last_seen_at as number) > there.last_seen_at) {
        yield* run('UPDATE sessions SET last_seen_at = ? WHERE id = ?', session.last_seen_at!, session.id!);
      }
    }
    const now = target.now();
    const held = yield* all<Row>('SELECT session_id, pattern, glob, mode FROM leases WHERE released_at IS NULL AND expires_at > ?', now);
    for (const lease of snapshot.leases) {
      const there = yield* get<{ token: number; expires_at: number }>(
        'SELECT token, expires_at FROM leases WHERE session_id = ? AND pattern = ? AND acquired_at = ? AND released_at IS NULL',
        lease.session_id!,
        lease.pattern!,
        lease.acquired_at!,
      );
      if (yield* keptAsPresent('leases', there, lease, result)) {
        tokens.set(lease.token!, there!.token);
        continue;
      }
      const conflict = held.find((other) => other.session_id !== lease.session_id && conflicts(other, lease));
      if (conflict !== undefined) {
        result.refused.push(`${lease.pattern} (session ${lease.session_id}): the target store has it leased to session ${conflict.session_id}`);
        continue;
      }
      tokens.set(lease.token!, yield* insertLease(lease));
      held.push(lease);
      result.leases++;
    }
    for (const { hold, origin } of snapshot.holds) {
      const there = yield* get<{ token: number; expires_at: number }>(
        'SELECT token, expires_at FROM branch_holds WHERE branch = ? AND path = ? AND ended_at IS NULL',
        hold.branch!,
        hold.path!,
      );
      if (yield* keptAsPresent('branch_holds', there, hold, result)) {
        tokens.set(hold.token!, there!.token);
        continue;
      }
      // A hold's token is that of the lease it came from, in the one token sequence: the lease comes along.
      const token = yield* insertLease(origin ?? originOf(hold, now));
      tokens.set(hold.token!, token);
      yield* insert('branch_holds', { ...hold, token });
      result.holds++;
    }
    yield* writeMessages(snapshot.messages, tokens, result);
    const copied = { sessions: result.sessions, leases: result.leases, holds: result.holds, messages: result.messages };
    yield* recordEvent(target, { kind: 'migrate', detail: { copiedFrom: from, ...copied } });
    return result;
  });
}

/**
 * Copies the messages, their lease (`token`) and the ask a reply answers (`reply_to`) as the
 * target numbers them: none when the target has no copy of it (a lease not copied for a
 * conflict, an ask told and answered before). One already there keeps the earlier delivery.
 */
function* writeMessages(messages: Row[], tokens: Map<SqlValue, number>, result: MigrateResult): Body<void> {
  const ids = new Map<SqlValue, number>();
  for (const message of messages) {
    const there = yield* get<{ id: number; delivered_at: number | null }>(
      'SELECT id, delivered_at FROM messages WHERE kind = ? AND from_session = ? AND to_session = ? AND created_at = ? AND message = ?',
      message.kind!,
      message.from_session!,
      message.to_session!,
      message.created_at!,
      message.message!,
    );
    if (there !== undefined) {
      ids.set(message.id!, there.id);
      result.present++;
      if (message.delivered_at !== null && there.delivered_at === null) {
        yield* run('UPDATE messages SET delivered_at = ? WHERE id = ?', message.delivered_at!, there.id);
      }
      continue;
    }
    const { id, ...row } = message;
    const [sql, ...values] = insertion('messages', {
      ...row,
      token: message.token === null ? null : (tokens.get(message.token!) ?? null),
      reply_to: message.reply_to === null ? null : (ids.get(message.reply_to!) ?? null),
    });
    ids.set(id!, (yield* get<{ id: number }>(`${sql} RETURNING id`, ...values))!.id);
    result.messages++;
  }
}

/** Whether the target has the row already (`there`): then it is counted, and keeps the later of the two expiries. */
function* keptAsPresent(
  table: 'leases' | 'branch_holds',
  there: { token: number; expires_at: number } | undefined,
  row: Row,
  result: MigrateResult,
): Body<boolean> {
  if (there === undefined) return false;
  result.present++;
  if ((row.expires_at as number) > there.expires_at) yield* run(`UPDATE ${table} SET expires_at = ? WHERE token = ?`, row.expires_at!, there.token);
  return true;
}

/** Inserts `row` into `table`, its columns the store's own (read from a store of the same schema). */
function* insert(table: 'sessions' | 'branch_holds', row: Row): Body<void> {
  yield* run(...insertion(table, row));
}

/** Inserts a lease: the token the target gives it. */
function* insertLease(lease: Row): Body<number> {
  const [sql, ...values] = insertion('leases', withoutToken(lease));
  return (yield* get<{ token: number }>(`${sql} RETURNING token`, ...values))!.token;
}

function insertion(table: string, row: Row): [string, ...SqlValue[]] {
  const columns = Object.keys(row);
  return [`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, ...columns.map((column) => row[column]!)];
}

function withoutToken(lease: Row): Row {
  const { token: _token, ...rest } = lease;
  return rest;
}

/** The released lease a hold came from, when the source no longer has it (deleted past its retention). */
function originOf(hold: Row, now: number): Row {
  return {
    session_id: hold.session_id ?? `branch:${hold.branch}`,
    pattern: hold.path!,
    glob: 0,
    prefix: hold.prefix!,
    mode: 'exclusive',
    task: null,
    source: 'edit',
    acquired_at: hold.created_at!,
    ttl_ms: hold.ttl_ms!,
    expires_at: hold.created_at!,
    released_at: now,
    release_reason: `held by branch ${hold.branch}`,
  };
}

function conflicts(a: Row, b: Row): boolean {
  if (a.mode === 'shared' && b.mode === 'shared') return false;
  return overlaps({ pattern: a.pattern as string, glob: a.glob === 1 }, { pattern: b.pattern as string, glob: b.glob === 1 });
}
