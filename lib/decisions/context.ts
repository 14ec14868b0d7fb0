// What every decision needs: the session asking, the worktree it works in, the configuration, and
// the store. The store is used through `withStore`, which turns any failure into a one-line problem
// for the answer to report (a crashing hook would let an edit through in silence).
import { dirname } from 'node:path';
import { DEFAULT_CONFIG, loadConfig, type Config } from '../config/load';
import { AgentLeaseError, describeError, describeStoreError } from '../util/errors';
import { currentBranch, locateRepo, type RepoLocation } from '../git/repo';
import { restartedStoreNotice, storeSeemsRemoved } from '../core/sqlite';
import type { Store } from '../core/store';
import { storePathOf } from '../git/store-location';
import { locateFile, type FileLocation } from '../git/paths';
import { existsSync, statSync } from 'node:fs';
import { findAgentProcess, type ProcessIdentity } from '../core/processes';
import { registerSession, SessionNotOpenError, sessionIsOpen, touchSession, type SessionRegistration } from '../core/sessions';
import { isInside, notedWorktrees, noteWorktree } from './session-worktrees';
import { chooseStore, storeKey, type StoreChoice } from '../stores/choice';
import { openChosenStore } from '../stores/open';
import type { Holder } from '../core/agents';

/** An agent's event, as every client's adapter reports it. */
export interface AgentEvent {
  sessionId: string;
  /** The subagent of the session acting (Claude Code's `agent_id`); absent: the main thread. */
  agentId?: string | undefined;
  /** The directory the agent works in (the client's `cwd`); this process's when absent. */
  cwd?: string | undefined;
  /** Which client: `claude-code`, ... (recorded with the session). */
  runtime: string;
  /**
   * The file the event is about, when there is one: its repository is the one that decides, not
   * the cwd's (a session started in the folder holding the worktrees, or in another repository).
   */
  file?: string | undefined;
}

export interface EventContext {
  sessionId: string;
  /** The session's agent acting: a subagent's id, or null for the main thread. */
  agentId: string | null;
  runtime: string;
  cwd: string;
  repo: RepoLocation;
  /** The repository's SQLite file, or where it would be: its directory keeps agent-lease's local files (caches, locks) in every mode. */
  storePath: string;
  /** The store the repository uses (SQLite, or PostgreSQL in team mode), or why the one asked for cannot be used. */
  store: StoreChoice | { problem: string };
  config: Config;
  /**
   * What the user must be told whatever is decided: why the configuration file was not used,
   * that the store was started anew. Hooks add their own warnings to it.
   */
  warnings: string[];
  /** The event's file as found on disk while locating the repository, for the decision to use again. */
  fileAt?: { file: string; location: FileLocation };
}

export type StoreResult<T> = { ok: true; value: T } | { ok: false; problem: string };

/** The context of an event, or null when neither its file nor the session's cwd is inside a git worktree. */
export function eventContext(event: AgentEvent): EventContext | null {
  const { sessionId, runtime } = event;
  const cwd = event.cwd ?? process.cwd();
  let repo: RepoLocation | null;
  let fileAt: EventContext['fileAt'];
  try {
    // A cwd that is not there is bad input even when the file alone locates the repository.
    statSync(cwd);
    fileAt = event.file === undefined ? undefined : { file: event.file, location: locateFile(event.file, cwd) };
    repo = (fileAt?.location.kind === 'found' ? fileAt.location.repo : null) ?? locateRepo(cwd);
  } catch (error) {
    throw new AgentLeaseError(`cannot use the input's cwd ${cwd} (${describeError(error)}); nothing was leased`);
  }
  if (repo === null) return null;
  const storePath = storePathOf(repo);
  let config: Config = DEFAULT_CONFIG;
  const warnings: string[] = [];
  try {
    config = loadConfig(repo.worktreeRoot, dirname(storePath));
  } catch (error) {
    warnings.push(`agent-lease: ${describeError(error)}; using the default settings`);
  }
  let store: EventContext['store'];
  try {
    store = chooseStore(repo, config);
  } catch (error) {
    store = { problem: describeError(error) };
  }
  return { sessionId, agentId: event.agentId ?? null, runtime, cwd, repo, storePath, store, config, warnings, fileAt };
}

/**
 * The contexts of every repository the session works in, for an event that names no file: the
 * cwd's, and those of the worktrees outside the cwd it was registered in by a file
 * (session-worktrees.ts), each store once.
 */
export function sessionContexts(event: AgentEvent): EventContext[] {
  const contexts: EventContext[] = [];
  const own = eventContext(event);
  if (own !== null) contexts.push(own);
  for (const worktree of notedWorktrees(event.sessionId)) {
    if (own !== null && isInside(worktree, own.repo.worktreeRoot)) continue;
    let context: EventContext | null;
    try {
      context = eventContext({ ...event, cwd: worktree });
    } catch {
      continue;
    }
    if (context !== null && !contexts.some((known) => keyOf(known) === keyOf(context))) contexts.push(context);
  }
  return contexts;
}

/**
 * How long one attempt at a write waits for a store another process keeps locked (a stuck or
 * stopped process). All the attempts together (four at most) must fit inside the shortest hook
 * timeout (SessionEnd: 5 s) with room to answer: a hook Claude Code kills for taking too long lets
 * the edit through even with hooks.onStoreError "deny". A transaction takes about a millisecond.
 */
const HOOK_BUSY_TIMEOUT_MS = 750;

/**
 * Runs `use` against the store; any failure (cannot open, locked too long, corrupt) becomes a
 * problem line. The store is deliberately left open: the hook process ends with process.exit,
 * which skips closing it. Closing the last connection to a WAL database checkpoints it with two
 * fsyncs (4 ms of a hook's ~30); left open, the WAL stays behind exactly as after a crash, every
 * committed transaction in it, for the next process to use.
 */
export async function withStore<T>(context: EventContext, use: (store: Store) => Promise<T>): Promise<StoreResult<T>> {
  const key = keyOf(context);
  try {
    return { ok: true, value: await use(openedStore(context)) };
  } catch (error) {
    const failed = open.get(key);
    open.delete(key);
    // A PostgreSQL client whose server went away is dropped with its connection (a resident server would keep it).
    if ('engine' in context.store && context.store.engine === 'postgres') void failed?.close().catch(() => undefined);
    return { ok: false, problem: `agent-lease cannot use its store ${storeName(context)}: ${describeStoreError(error)}` };
  }
}

function keyOf(context: EventContext): string {
  return 'problem' in context.store ? context.storePath : storeKey(context.store);
}

/** The store as a problem line names it: the SQLite file, or the PostgreSQL server. */
function storeName(context: EventContext): string {
  return 'engine' in context.store && context.store.engine === 'postgres' ? `on PostgreSQL ${context.store.server}` : context.storePath;
}

/**
 * The stores this process has open, by path: a hook that uses its store twice (a decision, then
 * the handoff messages) opens it once, and a resident process (the MCP server) keeps it open
 * between calls. A store whose file is gone is opened anew.
 */
const open = new Map<string, Store>();

function openedStore(context: EventContext): Store {
  const choice = context.store;
  if ('problem' in choice) throw new AgentLeaseError(choice.problem);
  const key = storeKey(choice);
  const kept = open.get(key);
  if (kept !== undefined && (choice.engine === 'postgres' || existsSync(choice.path))) return kept;
  if (choice.engine === 'sqlite' && storeSeemsRemoved(choice.path)) context.warnings.push(restartedStoreNotice(choice.path));
  const store = openChosenStore(choice, { busyTimeoutMs: HOOK_BUSY_TIMEOUT_MS });
  open.set(key, store);
  return store;
}

/**
 * Makes sure the session is registered and open, and marks it seen. A session that started before
 * agent-lease was installed (no SessionStart) is registered on its first hook call.
 */
export async function ensureSession(store: Store, context: EventContext): Promise<void> {
  const key = seenKey(store, context);
  const now = Date.now();
  // A resident process (the MCP server) answers many calls of one session: it marks the session
  // seen once in a while, not with a write transaction on every call, and between marks only
  // reads that it is still open (ended meanwhile, it is registered again as before).
  if (now - (touched.get(key) ?? Number.NEGATIVE_INFINITY) < TOUCH_INTERVAL_MS && (await sessionIsOpen(store, context.sessionId))) return;
  touched.delete(key);
  if (await touchSession(store, context.sessionId)) {
    touched.set(key, now);
    return;
  }
  await registerSession(store, sessionRegistration(context, findAgentProcess()));
  touched.set(key, now);
  if (!isInside(context.cwd, context.repo.worktreeRoot)) {
    try {
      noteWorktree(context.sessionId, context.repo.worktreeRoot);
    } catch (error) {
      context.warnings.push(
        `agent-lease: could not note that this session works in ${context.repo.worktreeRoot} (${describeError(error)}); its turn ends will not release its leases there`,
      );
    }
  }
}

/**
 * `act` for the session, made sure of first as ensureSession does. A resident process that marked
 * the session seen a moment ago goes straight to `act`, which checks inside its own transaction
 * that the session is open (acquire does): one read transaction fewer on every call. Ended or
 * unknown meanwhile, the session is registered again and `act` runs once more.
 */
export async function actAsSession<T>(store: Store, context: EventContext, act: () => Promise<T>): Promise<T> {
  const seen = touched.get(seenKey(store, context));
  if (seen !== undefined && Date.now() - seen < TOUCH_INTERVAL_MS) {
    try {
      return await act();
    } catch (error) {
      if (!(error instanceof SessionNotOpenError)) throw error;
    }
  }
  await ensureSession(store, context);
  return act();
}

/** How often a session's `last_seen_at` is written by one process: far finer than any staleness judged from it. */
const TOUCH_INTERVAL_MS = 5000;
/** When this process last marked each session seen, by store and session (seenKey). */
const touched = new Map<string, number>();

function seenKey(store: Store, context: EventContext): string {
  return `${store.describe()}\0${context.sessionId}`;
}

/** This session as the store records it: its worktree, branch and agent process. */
export function sessionRegistration(context: EventContext, agent: ProcessIdentity | null): SessionRegistration {
  return {
    id: context.sessionId,
    runtime: context.runtime,
    worktree: context.repo.worktreeRoot,
    branch: currentBranch(context.repo.gitDir),
    process: agent,
  };
}

/** Who acts in this event: the session and the agent within it. */
export function holderOf(context: EventContext): Holder {
  return { sessionId: context.sessionId, agentId: context.agentId };
}
