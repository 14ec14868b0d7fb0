// Moving a repository between stores (`agent-lease store migrate`): its live sessions, unreleased
// leases and live branch holds are copied from one store to another, either way between SQLite
// and PostgreSQL, in one write transaction of the target. Copying again copies nothing twice: a
// session is known by its id, a lease by its holder, pattern and time of grant, a hold by its
// branch and path. Tokens are the target's own (its sequence goes on: a token is never reused,
// and the target may hold other clones' leases); a lease that would conflict with one the target
// holds is not copied, and said so.
import { overlaps } from '../core/globs';
import { get, all, run, type Body, type SqlValue, type Store } from '../core/store';
import { recordEvent } from '../core/events';

type Row = Record<string, SqlValue>;

export interface Snapshot {
  sessions: Row[];
  leases: Row[];
  holds: Array<{ hold: Row; origin: Row | undefined }>;
}

export interface MigrateResult {
  sessions: number;
  leases: number;
  holds: number;
  /** Already in the target (from an earlier migrate), left as they are but for a later expiry. */
  present: number;
  /** Not copied because the target holds a conflicting lease: one line each. */
  refused: string[];
}

/** What is live in `store`: open sessions and those holding leases, unreleased leases, live holds with the leases they came from. */
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
    return { sessions, leases, holds };
  });
}

/** Writes `snapshot` (from `from`, described for the log) into `target`. */
export function writeLive(target: Store, snapshot: Snapshot, from: string): Promise<MigrateResult> {
  return target.write(function* () {
    const result: MigrateResult = { sessions: 0, leases: 0, holds: 0, present: 0, refused: [] };
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
      if (yield* keptAsPresent('leases', there, lease, result)) continue;
      const conflict = held.find((other) => other.session_id !== lease.session_id && conflicts(other, lease));
      if (conflict !== undefined) {
        result.refused.push(`${lease.pattern} (session ${lease.session_id}): the target store has it leased to session ${conflict.session_id}`);
        continue;
      }
      yield* insertLease(lease);
      held.push(lease);
      result.leases++;
    }
    for (const { hold, origin } of snapshot.holds) {
      const there = yield* get<{ token: number; expires_at: number }>(
        'SELECT token, expires_at FROM branch_holds WHERE branch = ? AND path = ? AND ended_at IS NULL',
        hold.branch!,
        hold.path!,
      );
      if (yield* keptAsPresent('branch_holds', there, hold, result)) continue;
      // A hold's token is that of the lease it came from, in the one token sequence: the lease comes along.
      const token = yield* insertLease(origin ?? originOf(hold, now));
      yield* insert('branch_holds', { ...hold, token });
      result.holds++;
    }
    yield* recordEvent(target, { kind: 'migrate', detail: { copiedFrom: from, sessions: result.sessions, leases: result.leases, holds: result.holds } });
    return result;
  });
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
