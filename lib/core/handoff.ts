// Handoff requests: a session asks the holders of a path for it (`agent-lease ask`), a holder
// answers (`agent-lease reply`, or simply by releasing). Each message is kept until its addressee's
// next hook that can carry context to the model takes it, once. A branch hold (a committed,
// unmerged change: lib/core/branch-holds.ts) has no session to hand it over: an ask meeting one
// says so instead, and an asker whose file passed to a branch when its holder released it is told
// that branch, once, the same way as a reply.
import { AgentLeaseError } from '../util/errors';
import { recordEvent } from './events';
import { check } from './lease-queries';
import type { HeldLease } from './lease-types';
import { all, get, run, type Body, type Store } from './store';

/** The longest message kept: a request is a sentence or two. */
export const MAX_MESSAGE_CHARS = 1000;

export interface HandoffMessage {
  id: number;
  kind: 'ask' | 'reply';
  from: { id: string; name: string };
  to: string;
  /** The lease an ask is about (a reply: none). */
  token: number | null;
  path: string | null;
  message: string;
  /** The ask a reply answers. */
  replyTo: number | null;
  createdAt: Date;
  /** A reply that is no session's words: the lease asked about passed to this branch's hold. */
  heldBy?: BranchOfHold;
}

/** The branch holding a committed, unmerged change, and its commit when the hold began. */
export interface BranchOfHold {
  branch: string;
  commit: string | null;
}

export interface AskOutcome {
  /** One ask per session holding a lease on the path. */
  sent: HandoffMessage[];
  /** Branch holds on the path: nobody to ask, the branch is to be brought in. */
  holds: HeldLease[];
}

interface MessageRow {
  id: number;
  kind: 'ask' | 'reply';
  from_session: string;
  from_name: string | null;
  to_session: string;
  token: number | null;
  path: string | null;
  message: string;
  reply_to: number | null;
  created_at: number;
}

const SELECT = 'SELECT m.*, s.name AS from_name FROM messages m LEFT JOIN sessions s ON s.id = m.from_session';

/** Asks every other live holder of `path` for it, one message per holding session; branch holds on it are returned, not asked. */
export async function askHolders(store: Store, fromSession: string, path: string, message: string): Promise<AskOutcome> {
  const text = checkedMessage(message);
  const holders = (await check(store, [path], fromSession))[0]!.holders;
  if (holders.length === 0) throw new AgentLeaseError(`no other session holds ${path}: there is nobody to ask`);
  const holds = holders.filter((lease) => lease.hold !== undefined);
  const bySession = new Map(holders.filter((lease) => lease.hold === undefined).map((lease) => [lease.holder.id, lease]));
  if (bySession.size === 0) return { sent: [], holds };
  const sent = await store.write(function* () {
    const asked: HandoffMessage[] = [];
    for (const lease of bySession.values()) {
      const id = yield* insertMessage(store, { kind: 'ask', from: fromSession, to: lease.holder.id, token: lease.token, path, message: text, replyTo: null });
      yield* recordEvent(store, { kind: 'ask', sessionId: fromSession, token: lease.token, pattern: path, detail: { to: lease.holder.id, message: id } });
      asked.push(yield* messageById(id));
    }
    return asked;
  });
  return { sent, holds };
}

/** Answers the ask `askId`, or without it the latest ask addressed to `fromSession`. */
export async function replyToAsk(store: Store, fromSession: string, message: string, askId?: number): Promise<HandoffMessage> {
  const text = checkedMessage(message);
  return store.write(function* () {
    const ask =
      askId === undefined
        ? yield* get<MessageRow>(`${SELECT} WHERE m.kind = 'ask' AND m.to_session = ? ORDER BY m.id DESC LIMIT 1`, fromSession)
        : yield* get<MessageRow>(`${SELECT} WHERE m.kind = 'ask' AND m.id = ?`, askId);
    if (ask === undefined) throw new AgentLeaseError(askId === undefined ? 'nobody has asked this session for anything' : `there is no request ${askId}`);
    if (ask.to_session !== fromSession && !(yield* holdsToken(fromSession, ask.token))) {
      throw new AgentLeaseError(`request ${ask.id} was not addressed to this session`);
    }
    const id = yield* insertMessage(store, {
      kind: 'reply',
      from: fromSession,
      to: ask.from_session,
      token: null,
      path: ask.path,
      message: text,
      replyTo: ask.id,
    });
    yield* recordEvent(store, { kind: 'reply', sessionId: fromSession, pattern: ask.path, detail: { to: ask.from_session, message: id, replyTo: ask.id } });
    return yield* messageById(id);
  });
}

/**
 * The messages waiting for `sessionId`, marked as told: those addressed to it, and asks about
 * leases it holds now (carried over from its previous id). A cheap read when there are none.
 */
export async function takeMessages(store: Store, sessionId: string): Promise<HandoffMessage[]> {
  if (!(await store.read(() => anyWaiting(sessionId)))) return [];
  return store.write(function* () {
    const rows = yield* waitingMessages(sessionId);
    const now = store.now();
    for (const row of rows) yield* run('UPDATE messages SET delivered_at = ? WHERE id = ?', now, row.id);
    const told = rows.map(toMessage);
    for (const ask of yield* passedAsks(sessionId)) told.push(yield* toldOfHold(store, ask, now));
    return told;
  });
}

/** Messages `m` not told yet to the session (its one parameter, twice): addressed to it, or asks about a lease it holds now. */
const WAITING = 'm.delivered_at IS NULL AND (m.to_session = ? OR m.token IN (SELECT token FROM leases WHERE session_id = ? AND released_at IS NULL))';

/** The session's asks `m` (its one parameter) whose lease has passed to a live branch hold `h`, and that it was not told of yet. */
const PASSED = `m.kind = 'ask' AND m.from_session = ? AND h.ended_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.kind = 'reply' AND r.reply_to = m.id AND r.from_session = 'branch:' || h.branch)`;

/** Whether takeMessages has anything to tell: one statement, the read every hook makes. */
function* anyWaiting(sessionId: string): Body<boolean> {
  const row = yield* get<{ waiting: number }>(
    `SELECT CASE WHEN EXISTS (SELECT 1 FROM messages m WHERE ${WAITING})
       OR EXISTS (SELECT 1 FROM messages m JOIN branch_holds h ON h.token = m.token WHERE ${PASSED}) THEN 1 ELSE 0 END AS waiting`,
    sessionId,
    sessionId,
    sessionId,
  );
  return row?.waiting === 1;
}

function waitingMessages(sessionId: string): Body<MessageRow[]> {
  return all<MessageRow>(`${SELECT} WHERE ${WAITING} ORDER BY m.id`, sessionId, sessionId);
}

interface PassedRow extends MessageRow {
  hold_branch: string;
  hold_commit: string | null;
}

function passedAsks(sessionId: string): Body<PassedRow[]> {
  return all<PassedRow>(
    `SELECT m.*, s.name AS from_name, h.branch AS hold_branch, h.commit_id AS hold_commit
     FROM messages m JOIN branch_holds h ON h.token = m.token LEFT JOIN sessions s ON s.id = m.to_session
     WHERE ${PASSED} ORDER BY m.id`,
    sessionId,
  );
}

/**
 * The asker's notice that the lease it asked about passed to a branch hold: kept as a reply from
 * `branch:<name>`, delivered as it is made, so that it is told once.
 */
function* toldOfHold(store: Store, ask: PassedRow, now: number): Body<HandoffMessage> {
  const from = `branch:${ask.hold_branch}`;
  const id = yield* insertMessage(store, {
    kind: 'reply',
    from,
    to: ask.from_session,
    token: ask.token,
    path: ask.path,
    message: `held by branch ${ask.hold_branch}`,
    replyTo: ask.id,
  });
  yield* run('UPDATE messages SET delivered_at = ? WHERE id = ?', now, id);
  return {
    ...toMessage({ ...(yield* messageRow(id)), from_name: ask.from_name ?? ask.to_session }),
    heldBy: { branch: ask.hold_branch, commit: ask.hold_commit },
  };
}

function* holdsToken(sessionId: string, token: number | null): Body<boolean> {
  if (token === null) return false;
  return (yield* get('SELECT 1 FROM leases WHERE token = ? AND session_id = ? AND released_at IS NULL', token, sessionId)) !== undefined;
}

function checkedMessage(message: string): string {
  const text = message.trim();
  if (text === '') throw new AgentLeaseError('the message is empty: say what you need');
  if (text.length > MAX_MESSAGE_CHARS) throw new AgentLeaseError(`the message is longer than ${MAX_MESSAGE_CHARS} characters`);
  return text;
}

interface NewMessage {
  kind: 'ask' | 'reply';
  from: string;
  to: string;
  token: number | null;
  path: string | null;
  message: string;
  replyTo: number | null;
}

function* insertMessage(store: Store, message: NewMessage): Body<number> {
  const row = yield* get<{ id: number }>(
    'INSERT INTO messages (kind, from_session, to_session, token, path, message, reply_to, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
    message.kind,
    message.from,
    message.to,
    message.token,
    message.path,
    message.message,
    message.replyTo,
    store.now(),
  );
  return row!.id;
}

function* messageById(id: number): Body<HandoffMessage> {
  return toMessage(yield* messageRow(id));
}

function* messageRow(id: number): Body<MessageRow> {
  return (yield* get<MessageRow>(`${SELECT} WHERE m.id = ?`, id))!;
}

function toMessage(row: MessageRow): HandoffMessage {
  return {
    id: row.id,
    kind: row.kind,
    from: { id: row.from_session, name: row.from_name ?? row.from_session },
    to: row.to_session,
    token: row.token,
    path: row.path,
    message: row.message,
    replyTo: row.reply_to,
    createdAt: new Date(row.created_at),
  };
}
