// The store seam: what the lease core asks of a database, whichever engine keeps it (SQLite, the
// embedded default: sqlite.ts; PostgreSQL for team mode). The core never runs SQL itself: a
// transaction body is a generator that yields each statement it wants run and receives the result,
// so that one body runs synchronously inside SQLite's BEGIN IMMEDIATE (no promise inside the
// transaction: the hooks' hot path stays one synchronous transaction) and asynchronously, statement
// by statement, inside a PostgreSQL transaction.
//
// The contract every engine keeps:
// - A body yields only the statements `get`, `all` and `run` make (use them with `yield*`) and
//   awaits nothing. It may read the clock (`store.now()`) and check processes, but it asks git and
//   the file system nothing slow: it runs while every other writer waits.
// - SQL is written once, SQLite style: `?` placeholders, one value each (string, number or null;
//   booleans as 0 and 1). PostgreSQL rewrites `?` to `$n`. Texts the two dialects spell differently
//   come from `store.dialect`, by name; nothing else engine-specific appears in a body.
// - Results: a row is a plain object keyed by column name (or `AS` alias), integer columns as
//   JavaScript numbers (milliseconds since the epoch included), text as strings, NULL as null.
//   `get` gives the first row or undefined; `all` every row, in the order the query asks for;
//   `run` gives `{ changes }`, the number of rows inserted, updated or deleted. An inserted row's
//   id comes back through `INSERT … RETURNING id` read with `get`.
// - A failing statement ends the body: its error is not delivered to it (in PostgreSQL a failed
//   statement aborts the transaction, so there is nothing to go on with); the transaction rolls
//   back and `write`/`read` rejects with the error.
// - An engine may run a body again from its start (a busy SQLite, a PostgreSQL connection lost
//   before the commit): what a body records outside the database, it records again.
// - `?` appears in SQL only as a placeholder (never in a literal, never as an operator).

export type SqlValue = string | number | null;

/** One statement a body asks the store to run. */
export interface Statement {
  kind: 'get' | 'all' | 'run';
  sql: string;
  params: SqlValue[];
}

/** What `run` gives back. */
export interface RunResult {
  changes: number;
}

/** A transaction body: yields statements, is resumed with each one's result, returns the transaction's result. */
export type Body<T> = Generator<Statement, T, unknown>;

/** The first row the query gives, or undefined. */
export function* get<Row>(sql: string, ...params: SqlValue[]): Body<Row | undefined> {
  return (yield { kind: 'get', sql, params }) as Row | undefined;
}

/** Every row the query gives. */
export function* all<Row>(sql: string, ...params: SqlValue[]): Body<Row[]> {
  return (yield { kind: 'all', sql, params }) as Row[];
}

/** Runs an INSERT, UPDATE or DELETE: how many rows it changed. */
export function* run(sql: string, ...params: SqlValue[]): Body<RunResult> {
  return (yield { kind: 'run', sql, params }) as RunResult;
}

/** The SQL texts the engines spell differently, named by what they ask, and the one step that needs the engine's own sequence. */
export interface Dialect {
  /**
   * `column` is one of a list of strings given as ONE parameter: the JSON array text of the list
   * (`JSON.stringify(values)`). SQLite: `column IN (SELECT value FROM json_each(?))`.
   */
  inList(column: string): string;
  /**
   * The text value of `key` in the JSON object text held in `column`; NULL when absent or JSON
   * null. SQLite: `json_extract(column, '$.key')`. `key` is a plain identifier, never input.
   */
  jsonText(column: string, key: string): string;
  /**
   * Takes a token no lease or hold has had from the leases' own token sequence (so that one token
   * never names two things): for a hold made from no lease (one per file of a glob claim).
   */
  newToken(): Body<number>;
}

/** What `doctor` is told of a store's own health. */
export interface StoreHealth {
  /** The schema version the store is at. */
  schema: number;
  /** The engine's way of keeping its log (SQLite's journal mode: `wal` expected); null when it has none to tell. */
  journal: string | null;
  /** What the engine's own integrity check reports, quoted (null: nothing wrong). */
  damage: string | null;
}

/** A lease store: one repository's sessions, leases, branch holds, events and messages. */
export interface Store {
  /**
   * Runs `body` in one write transaction, serialized with every other writer of the repository
   * (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-level advisory lock on the repository).
   */
  write<T>(body: () => Body<T>): Promise<T>;
  /** Runs `body` against one consistent snapshot; it must not change anything. */
  read<T>(body: () => Body<T>): Promise<T>;
  /** Milliseconds since the epoch; inside a body, the transaction's time (PostgreSQL: the database's clock). */
  now(): number;
  readonly dialect: Dialect;
  /**
   * Called inside a write body: what it commits must not wait in a log a copy of the main file
   * would miss (SQLite: the WAL is checkpointed after the commit). A no-op where a commit is durable
   * as it is.
   */
  persistAfterCommit(): void;
  /** What is committed goes into the main database file now, as far as no reader needs it (SQLite: a passive WAL checkpoint). */
  persist(): Promise<void>;
  /** A number that changes whenever another connection commits (to wait for a change without polling the tables). */
  changeCounter(): Promise<number>;
  /** Hands the space freed by deleted rows back (gc's last step). */
  compact(): Promise<void>;
  health(): Promise<StoreHealth>;
  /** Which store this is, to tell people: `sqlite <path>`, `postgres <host:port/database>` (never a password). */
  describe(): string;
  close(): Promise<void>;
}
