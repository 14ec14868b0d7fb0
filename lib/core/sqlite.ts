// The SQLite store: one WAL database per repository, shared by every worktree. Every write is one
// short BEGIN IMMEDIATE transaction (a deferred one that reads then writes fails with SQLITE_BUSY
// under contention instead of waiting), retried a bounded number of times on SQLITE_BUSY. A body
// (store.ts) is driven to its end synchronously inside the transaction: no promise in it.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AgentLeaseError } from '../util/errors';
import { MIGRATIONS } from './migrations';
import { get, run, type Body, type Dialect, type Statement, type Store, type StoreHealth } from './store';

export type Clock = () => number;

export interface OpenStoreOptions {
  /** The database file (where a repository keeps it: lib/git/store-location.ts). */
  path: string;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: Clock;
  /** Do not create the database: fail with `StoreMissingError` when it does not exist. */
  mustExist?: boolean;
  busyTimeoutMs?: number;
}

export class StoreMissingError extends AgentLeaseError {}

const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_LOCKED']);
const BUSY_RETRIES = 4;

const SQLITE_DIALECT: Dialect = {
  inList: (column) => `${column} IN (SELECT value FROM json_each(?))`,
  jsonText: (column, key) => `json_extract(${column}, '$.${key}')`,
  *newToken() {
    const taken = yield* get<{ n: number }>(
      "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'leases'), 0), coalesce((SELECT max(token) FROM branch_holds), 0)) AS n",
    );
    const token = taken!.n + 1;
    yield* run("UPDATE sqlite_sequence SET seq = ? WHERE name = 'leases'", token);
    return token;
  },
};

/**
 * The file that says a store was created at `path`. Its directory is no such sign: `init` writes
 * files there (husky's settings) before any session has made a store, and the guard then took
 * every commit for one made after the store was deleted.
 */
export function storeMarkerPath(path: string): string {
  return `${path}.created`;
}

/**
 * Whether the store at `path` seems to have been deleted or moved away: it was created there (its
 * marker is there) but the database is not. Opening it then starts a new, empty store. A store
 * removed with its directory looks like a first use.
 */
export function storeSeemsRemoved(path: string): boolean {
  // The marker first: it is written after the database, so a store another process creates
  // between the two looks is never taken for a removed one.
  return existsSync(storeMarkerPath(path)) && !existsSync(path);
}

/** What to tell the user when opening `path` starts a new store because the old one was removed. */
export function restartedStoreNotice(path: string): string {
  return `agent-lease: there was no store at ${path} although one was created there, so a new, empty one was started: if the old one was deleted, the leases it held are gone`;
}

export class SqliteStore implements Store {
  readonly dialect = SQLITE_DIALECT;
  private readonly statements = new Map<string, Database.Statement>();
  private checkpointDue = false;
  /** Made once: better-sqlite3 builds four wrapper functions for every `transaction` call. */
  private readonly transaction: Database.Transaction<(body: () => Body<unknown>) => unknown>;

  constructor(
    readonly db: Database.Database,
    readonly path: string,
    private readonly clock: Clock,
  ) {
    this.transaction = db.transaction((body: () => Body<unknown>) => this.drive(body()));
  }

  now(): number {
    return this.clock();
  }

  async write<T>(body: () => Body<T>): Promise<T> {
    return this.writeNow(body);
  }

  /** `write`, returning when the transaction has committed: for the engine's own steps (migrations). */
  writeNow<T>(body: () => Body<T>): T {
    const result = withBusyRetry(() => this.transaction.immediate(body) as T);
    if (this.checkpointDue && !this.db.inTransaction) this.checkpointSoon();
    return result;
  }

  private checkpointSoon(): void {
    if (checkpointLater === null) {
      this.checkpoint();
      return;
    }
    this.checkpointDue = false;
    checkpointLater(this);
  }

  async read<T>(body: () => Body<T>): Promise<T> {
    return withBusyRetry(() => this.transaction.deferred(body) as T);
  }

  /** Runs each statement the body yields and hands it the result, to the body's end. */
  private drive<T>(body: Body<T>): T {
    let next = body.next();
    while (!next.done) {
      let result: unknown;
      try {
        result = this.execute(next.value);
      } catch (error) {
        body.return(undefined as T);
        throw error;
      }
      next = body.next(result);
    }
    return next.value;
  }

  private execute(step: Statement): unknown {
    let statement = this.statements.get(step.sql);
    if (statement === undefined) {
      statement = this.db.prepare(step.sql);
      this.statements.set(step.sql, statement);
    }
    if (step.kind === 'get') return statement.get(...step.params);
    if (step.kind === 'all') return statement.all(...step.params);
    return { changes: statement.run(...step.params).changes };
  }

  /**
   * Hooks never close the store (closing checkpoints, at two fsyncs a call), so what they commit
   * lives in the -wal file until some later checkpoint, and a backup or sync that copies only the
   * main file loses it. A new lease must not be lost that way: its write copies the WAL into the
   * main file right after (a grant is the first edit of a file, not every edit; renewals and reads
   * stay as cheap as they were).
   */
  persistAfterCommit(): void {
    this.checkpointDue = true;
  }

  /** Copies the WAL into the main file as far as no reader needs it (PASSIVE: never waits). */
  checkpoint(): void {
    this.checkpointDue = false;
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or failing: the WAL keeps every commit, and the next checkpoint catches up.
    }
  }

  async persist(): Promise<void> {
    this.checkpoint();
  }

  /** SQLite's data_version: moves when another connection commits, read without taking a lock. */
  async changeCounter(): Promise<number> {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  async compact(): Promise<void> {
    this.db.pragma('incremental_vacuum');
  }

  async health(): Promise<StoreHealth> {
    // Damage in pages no query happens to read is only found by checking them all.
    const report = (this.db.pragma('quick_check(3)') as Array<{ quick_check: string }>).map((row) => row.quick_check).join('\n');
    // The report's lines after its "*** in database main ***" heading, if any.
    const problems = report.split('\n').filter((line) => line !== '' && !line.startsWith('*** '));
    return {
      schema: schemaVersion(this.db),
      journal: String(this.db.pragma('journal_mode', { simple: true })).toLowerCase(),
      damage: report === 'ok' ? null : (problems.length > 0 ? problems : [report]).map((line) => JSON.stringify(line)).join(', '),
    };
  }

  describe(): string {
    return `sqlite ${this.path}`;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** Set by a resident process (deferCheckpoints): who makes the checkpoint a write asked for. */
let checkpointLater: ((store: SqliteStore) => void) | null = null;

/**
 * For a process that lives on after it answers (the MCP server): the checkpoint after a new
 * lease's commit (persistAfterCommit) is left to `checkpoint` (sqlite-checkpointer.ts makes it on
 * a thread of its own) instead of being made inside the write that asked for it. The commit
 * itself is durable in the WAL either way.
 */
export function deferCheckpoints(checkpoint: (store: SqliteStore) => void): void {
  checkpointLater = checkpoint;
}

export function openStore(options: OpenStoreOptions): SqliteStore {
  const { path } = options;
  if (options.mustExist && !existsSync(path)) {
    throw new StoreMissingError(`no agent-lease store at ${path}`);
  }
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: options.busyTimeoutMs ?? 2000, nativeBinding: nativeAddonPath() });
  markCreated(path);
  try {
    db.pragma('synchronous = NORMAL');
    const store = new SqliteStore(db, path, options.now ?? Date.now);
    // WAL mode and auto_vacuum are stored in the file: a store at the latest schema has them
    // already, and setting them again costs every hook a round of locking.
    if (schemaVersion(db) !== MIGRATIONS.length) {
      // auto_vacuum only takes effect on a new file, before WAL mode and the first table; it
      // lets gc hand freed pages back to the file system.
      db.pragma('auto_vacuum = INCREMENTAL');
      switchToWal(store);
      migrate(store);
    }
    return store;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The store at `path` opened read-only (what `doctor` looks at without changing it); throws when there is none. */
export function openReadOnlyStore(path: string): SqliteStore {
  return new SqliteStore(new Database(path, { readonly: true, fileMustExist: true, nativeBinding: nativeAddonPath() }), path, Date.now);
}

function markCreated(path: string): void {
  const marker = storeMarkerPath(path);
  if (existsSync(marker)) return;
  try {
    writeFileSync(marker, 'agent-lease made a store here: if it goes missing, agent-lease says that its leases are gone\n');
  } catch {
    // A read-only directory: the store itself reports what it can.
  }
}

/**
 * The compiled SQLite addon, resolved like any module so that it is found from the hooks' bundle
 * too (better-sqlite3's own lookup, the `bindings` package, searches relative to the calling
 * file and probes a dozen paths). Undefined leaves the lookup to better-sqlite3.
 */
export function nativeAddonPath(): string | undefined {
  try {
    return require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
  } catch {
    return undefined;
  }
}

/**
 * Loads SQLite's native addon now, so that opening the store later does not wait for it. Hooks
 * call this while their stdin is still being read. A failure here is reported by openStore.
 */
export function preloadSqliteAddon(): void {
  const path = nativeAddonPath();
  if (path === undefined) return;
  try {
    require(path);
  } catch {
    // openStore loads it again and reports what is wrong.
  }
}

/** The SQLite version the native module runs; throws when the module does not load. */
export function sqliteVersion(): string {
  const db = new Database(':memory:', { nativeBinding: nativeAddonPath() });
  try {
    return (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  } finally {
    db.close();
  }
}

/** Puts the store in WAL mode (a no-op when it is already); returns the journal mode now in effect. */
export function switchToWal(store: SqliteStore): string {
  return withBusyRetry(() => store.db.pragma('journal_mode = WAL', { simple: true }) as string);
}

export function isBusyError(error: unknown): boolean {
  return BUSY_CODES.has((error as { code?: string } | null)?.code ?? '');
}

export function withBusyRetry<T>(fn: () => T): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return fn();
    } catch (error) {
      if (!isBusyError(error) || attempt >= BUSY_RETRIES) throw error;
      sleep(5 * attempt + Math.random() * 20 * attempt);
    }
  }
}

/** Blocks the thread for `ms` milliseconds (for short waits in synchronous code). */
export function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings the schema up to date; only the one process that finds it out of date inside the lock migrates. */
function migrate(store: SqliteStore): void {
  const latest = MIGRATIONS.length;
  store.writeNow(function* () {
    const from = schemaVersion(store.db);
    if (from > latest) {
      throw new AgentLeaseError(`the store at ${store.path} has schema ${from}, newer than this agent-lease (${latest}): upgrade agent-lease`);
    }
    if (from === latest) return;
    for (const step of MIGRATIONS.slice(from)) store.db.exec(step);
    store.db.pragma(`user_version = ${latest}`);
    yield* run('INSERT INTO events (at, kind, detail) VALUES (?, ?, ?)', store.now(), 'migrate', JSON.stringify({ from, to: latest, pid: process.pid }));
  });
}
