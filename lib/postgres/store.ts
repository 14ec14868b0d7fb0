// The PostgreSQL store (team mode): one repository's tables in a schema of their own on a server
// every clone and machine reaches. A write takes a transaction-level advisory lock keyed by the
// repository first, so that writers of one repository run one at a time, as SQLite's BEGIN
// IMMEDIATE makes them, whichever host they are on; its time is the database's clock, read once
// the lock is held (hosts' clocks disagree). A body's statements are sent one at a time, each
// awaited. Every transaction sets what it needs itself (the schema, its timeouts), so that it runs
// alike on a connection of its own and through a pooler in transaction mode (PgBouncer), where
// consecutive transactions may use different server connections; there (the URL says so,
// connection-settings.ts) no statement is prepared by name. The client (postgres.js) is loaded on
// first use: SQLite users never load it.
import type { Sql } from 'postgres';
import { type Body, get, type RunResult, type SqlValue, type Statement, type Store, type StoreHealth } from '../core/store';
import { POSTGRES_MIGRATIONS } from './migrations';
import { isMissingSchema, isRetryable, PostgresStoreError, repositoryPlace, storeError } from './server';
import { type ConnectionSettings, connectionSettings } from './connection-settings';
import { changesRows, POSTGRES_DIALECT, positionalText } from './statements';
import { knownUnreachable, noteUnreachable } from './unreachable';

export interface PostgresStoreOptions {
  /** postgres://user@host:port/database (a password in it is used, never shown), or the settings already read from one (connection-settings.ts). */
  url: string | ConnectionSettings;
  /** The repository's identity across clones (lib/git/identity.ts): its schema and lock come from it. */
  repository: string;
  /** The password, when the URL has none (PGPASSWORD is read by the client itself); asked for only if the server wants one. */
  password?: string | (() => string | Promise<string>);
  /** How long one connection attempt may take; else the URL's connect_timeout (connection-settings.ts). */
  connectTimeoutMs?: number;
  /** How long all connection attempts together may take; else the URL's connect_budget. */
  connectBudgetMs?: number;
  /** How long one statement may run on the server. */
  statementTimeoutMs?: number;
  /** How long a write may wait for the repository's lock, held by other writers one at a time. */
  lockWaitMs?: number;
  /** Milliseconds since the epoch instead of the database's clock; for tests. */
  now?: () => number;
  /** This host's clock (Date.now), by which a server found unreachable is not tried again for a while (unreachable.ts); for tests. */
  clock?: () => number;
}

/** Inside the shortest hook timeout (5 s) with room to answer, after connecting: see lib/decisions/context.ts. */
const STATEMENT_TIMEOUT_MS = 1500;
/**
 * 64 processes starting and writing at once (a team's agents started together) waited up to 3.1 s
 * for their turn at the lock on a loaded 2-core machine (bench/team-mode.ts); a PreToolUse's two
 * writes, each waiting this long, and a connect budget still fit its 10 s.
 */
const LOCK_WAIT_MS = 3000;
/** A session that stopped inside a transaction (a paused or lost host) frees the repository's lock after this. */
const IDLE_IN_TRANSACTION_MS = 5000;
const ATTEMPTS = 3;

const CLOCK_AND_SCHEMA = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now, version FROM agent_lease_schema';

/**
 * Codes of a connection attempt that failed before any statement was sent: refused, timed out,
 * turned away by a server with too many connections or one starting up. Connecting again may work.
 */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'CONNECT_TIMEOUT', '53300', '57P03']);
/** The first pause before connecting again, doubled after each attempt up to the last; each pause is a random part of it, so that clients turned away together come back apart. */
const FIRST_PAUSE_MS = 50;
const LAST_PAUSE_MS = 800;
/** Less than this left of the connect budget is not worth an attempt. */
const LEAST_ATTEMPT_MS = 100;

/** Codes of a connection that went away (the transaction did not commit: it may run again). */
const LOST = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'ECONNRESET', 'EPIPE', '57P01', '57P02']);

/** The store's schema is older than this agent-lease: migrate, then run the transaction again. */
class SchemaBehind extends Error {}

export function openPostgresStore(options: PostgresStoreOptions): PostgresStore {
  return new PostgresStore(options);
}

export class PostgresStore implements Store {
  readonly dialect = POSTGRES_DIALECT;
  /** `host:port/database`, to name the server in messages. */
  readonly server: string;
  readonly schema: string;
  private readonly lockKey: string;
  private readonly url: string;
  private readonly connectTimeoutMs: number;
  private readonly targetSessionAttrs: 'primary' | undefined;
  private readonly connectBudgetMs: number;
  private readonly statementTimeoutMs: number;
  private readonly lockWaitMs: number;
  private readonly prepare: boolean;
  /** A write's first round trip: its settings (SET LOCAL), the repository's lock, the clock. */
  private readonly writeOpening: string;
  private readonly readOpening: string;
  private readonly migrationOpening: string;
  /** How long the next connection attempt may take: less than connectTimeoutMs when the budget runs short. */
  private attemptTimeoutMs: number;
  /** The client, and how many times its connection closed: a transaction must end on the connection it began on. */
  private client: { sql: Sql; closes: number } | undefined;
  /** One transaction at a time on the one connection. */
  private queue: Promise<unknown> = Promise.resolve();
  private transactionNow: number | undefined;
  /** The change counter's bumps this store committed. */
  private ownChanges = 0;
  private clockOffset = 0;

  constructor(private readonly options: PostgresStoreOptions) {
    const fromUrl = typeof options.url === 'string' ? connectionSettings(options.url) : options.url;
    this.server = fromUrl.server;
    const place = repositoryPlace(options.repository);
    this.schema = place.schema;
    this.lockKey = place.lockKey;
    this.url = fromUrl.url;
    this.prepare = fromUrl.prepare;
    this.connectTimeoutMs = options.connectTimeoutMs ?? fromUrl.connectTimeoutMs;
    this.connectBudgetMs = options.connectBudgetMs ?? fromUrl.connectBudgetMs;
    this.attemptTimeoutMs = Math.min(this.connectTimeoutMs, this.connectBudgetMs);
    this.targetSessionAttrs = fromUrl.targetSessionAttrs;
    this.statementTimeoutMs = options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS;
    this.lockWaitMs = options.lockWaitMs ?? LOCK_WAIT_MS;
    const session = { search_path: this.schema, idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS };
    // The lock is waited for under lock_timeout (its own error, 55P03), the statement timeout moved past it meanwhile.
    const waiting = setLocal({ ...session, lock_timeout: this.lockWaitMs, statement_timeout: this.lockWaitMs + this.statementTimeoutMs });
    const lock = `SELECT pg_advisory_xact_lock(${this.lockKey})`;
    const timed = `set_config('statement_timeout', '${this.statementTimeoutMs}', true) AS timed`;
    this.writeOpening = `BEGIN; ${waiting}; ${lock}; SELECT ${timed}, ${CLOCK_AND_SCHEMA}`;
    this.readOpening = `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ${setLocal({ ...session, statement_timeout: this.statementTimeoutMs })}; SELECT ${CLOCK_AND_SCHEMA}`;
    this.migrationOpening = `BEGIN; ${waiting}; ${lock}; SELECT ${timed}`;
  }

  write<T>(body: () => Body<T>): Promise<T> {
    return this.serialized(() => this.transaction('write', body));
  }

  read<T>(body: () => Body<T>): Promise<T> {
    return this.serialized(() => this.transaction('read', body));
  }

  /** Inside a body, the transaction's time on the database's clock; outside, this host's clock set by it. */
  now(): number {
    if (this.options.now !== undefined) return this.options.now();
    return this.transactionNow ?? Date.now() + this.clockOffset;
  }

  /** A commit is durable when COMMIT returns (synchronous_commit): nothing more to do. */
  persistAfterCommit(): void {}

  /** Nothing waits outside the database's own files for a copy to miss. */
  async persist(): Promise<void> {}

  /**
   * The changes other stores committed: a count every write transaction that ran a statement
   * changing rows bumps, less this store's own bumps (SQLite's data_version, too, ignores the
   * connection's own commits: a waiter's own attempts must not wake it).
   */
  async changeCounter(): Promise<number> {
    const changes = await this.read(function* () {
      return (yield* get<{ changes: number }>('SELECT changes FROM agent_lease_schema'))!.changes;
    });
    return changes - this.ownChanges;
  }

  /** Lets the tables reuse the space of deleted rows now, not at autovacuum's next round. */
  compact(): Promise<void> {
    const tables = ['leases', 'events', 'sessions', 'branch_holds', 'messages'].map((table) => `${this.schema}.${table}`);
    return this.serialized(async () => {
      await this.query(`VACUUM (SKIP_LOCKED) ${tables.join(', ')}`);
    });
  }

  async health(): Promise<StoreHealth> {
    const schema = await this.read(function* () {
      return (yield* get<{ version: number }>('SELECT version FROM agent_lease_schema'))!.version;
    });
    return { schema, journal: null, damage: null };
  }

  describe(): string {
    return `postgres ${this.server}`;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.sql.end({ timeout: 1 });
  }

  /** Runs `run` after what runs before it; while the server is known to be unreachable, fails at once with the error that found it so. */
  private serialized<T>(run: () => Promise<T>): Promise<T> {
    const clock = this.options.clock ?? Date.now;
    const unlessUnreachable = async (): Promise<T> => {
      const known = knownUnreachable(this.url, clock());
      if (known !== undefined) throw known;
      try {
        return await run();
      } catch (error) {
        if (error instanceof PostgresStoreError && error.unreachable) noteUnreachable(this.url, error, clock());
        throw error;
      }
    };
    const result = this.queue.then(unlessUnreachable, unlessUnreachable);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private connected(): { sql: Sql; closes: number } {
    if (this.client !== undefined) return this.client;
    const postgres = require('postgres') as typeof import('postgres');
    const client = { sql: undefined as unknown as Sql, closes: 0 };
    client.sql = postgres(this.url, {
      max: 1,
      fetch_types: false,
      connect_timeout: this.attemptTimeoutMs / 1000,
      ...(this.targetSessionAttrs === undefined ? {} : { target_session_attrs: this.targetSessionAttrs }),
      onnotice: () => {},
      onclose: () => {
        client.closes++;
      },
      connection: { application_name: 'agent-lease' },
      // The seam's results: integers (bigint, count's, sum's numeric) as numbers, booleans as 0 and 1, as SQLite gives them.
      types: {
        int8: { to: 20, from: [20, 1700], serialize: (value: number) => String(value), parse: (text: string) => Number(text) },
        bool: { to: 16, from: [16], serialize: (value: unknown) => (value ? 't' : 'f'), parse: (text: string) => (text === 't' ? 1 : 0) },
      },
      ...(this.options.password === undefined ? {} : { pass: this.options.password }),
    });
    this.client = client;
    return client;
  }

  /** Drops the connection (it stopped answering): the next statement connects anew. */
  private drop(): void {
    const client = this.client;
    this.client = undefined;
    client?.sql.end({ timeout: 0 }).catch(() => undefined);
  }

  /**
   * Runs one text: with `params`, as a prepared statement (an unnamed one through a pooler);
   * without, as a simple query (several statements in one round trip). Every failure is a one-line
   * PostgresStoreError; a server that does not answer within the timeouts (the lock wait's too,
   * for a text that waits for the lock) loses its connection.
   */
  private async query<Row = Record<string, unknown>>(text: string, params?: SqlValue[], lockWaitMs = 0): Promise<Rows<Row>> {
    const { sql } = this.connected();
    const pending = params === undefined ? sql.unsafe(text) : sql.unsafe(text, params as never[], { prepare: this.prepare });
    const limitMs = this.attemptTimeoutMs + lockWaitMs + this.statementTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.drop();
        reject(new PostgresStoreError(this.server, `no answer within ${limitMs} ms: the server is down, slow or unreachable`, 'TIMEOUT'));
      }, limitMs);
    });
    try {
      return (await Promise.race([pending, timedOut])) as never;
    } catch (error) {
      throw storeError(this.server, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private async transaction<T>(kind: 'write' | 'read', body: () => Body<T>): Promise<T> {
    let migrated = false;
    const connecting = { since: Date.now(), attempts: 0 };
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.attempt(kind, body);
        } catch (error) {
          if ((error instanceof SchemaBehind || isMissingSchema(error)) && !migrated) {
            migrated = true;
            await this.migrate();
            continue;
          }
          // Not connected, nothing was sent: connecting again is not another attempt at the transaction.
          if (notConnected(error)) {
            await this.connectAgain(error, connecting);
            attempt--;
            continue;
          }
          const again = isRetryable(error) || (error instanceof PostgresStoreError && error.lostBeforeCommit === true);
          if (!again || attempt >= ATTEMPTS) throw error;
          await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20 * attempt));
        }
      }
    } finally {
      this.attemptTimeoutMs = Math.min(this.connectTimeoutMs, this.connectBudgetMs);
    }
  }

  /**
   * After a failed connection attempt: pauses, then lets the next attempt have what is left of the
   * budget (at most connectTimeoutMs); throws the attempt's error, with how long connecting took,
   * once the budget is spent.
   */
  private async connectAgain(error: PostgresStoreError, connecting: { since: number; attempts: number }): Promise<void> {
    this.drop();
    connecting.attempts++;
    const left = connecting.since + this.connectBudgetMs - Date.now();
    if (left < LEAST_ATTEMPT_MS) {
      const spent = ((Date.now() - connecting.since) / 1000).toFixed(1);
      const tries = connecting.attempts === 1 ? '1 attempt' : `${connecting.attempts} attempts`;
      throw new PostgresStoreError(this.server, `${error.reason} (${tries} in ${spent} s)`, error.code);
    }
    const pause = Math.min(left - LEAST_ATTEMPT_MS, Math.random() * Math.min(LAST_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (connecting.attempts - 1)));
    await new Promise((resolve) => setTimeout(resolve, pause));
    this.attemptTimeoutMs = Math.min(this.connectTimeoutMs, left - pause);
  }

  private async attempt<T>(kind: 'write' | 'read', body: () => Body<T>): Promise<T> {
    const connection = this.connected();
    const closes = connection.closes;
    const opening = kind === 'write' ? this.writeOpening : this.readOpening;
    let committing = false;
    try {
      // A simple query of several statements gives one row list each: the clock's is the last.
      const results = await this.query<Rows<{ now: number; version: number }>>(opening, undefined, kind === 'write' ? this.lockWaitMs : 0);
      const clock = results.at(-1)![0]!;
      this.checkSchema(clock.version);
      this.clockOffset = clock.now - Date.now();
      this.transactionNow = this.options.now?.() ?? clock.now;
      let changed = false;
      const steps = body();
      let step = steps.next();
      while (!step.done) {
        this.sameConnection(connection, closes);
        const statement: Statement = step.value;
        const rows = await this.query(positionalText(statement.sql), statement.params);
        if (kind === 'write' && changesRows(statement.sql)) changed = true;
        step = steps.next(resultOf(statement, rows));
      }
      this.sameConnection(connection, closes);
      committing = true;
      await this.query(changed ? 'UPDATE agent_lease_schema SET changes = changes + 1; COMMIT' : 'COMMIT');
      if (changed) this.ownChanges++;
      return step.value;
    } catch (error) {
      if (error instanceof PostgresStoreError && !committing && LOST.has(error.code ?? '')) error.lostBeforeCommit = true;
      // Never connected, nothing to roll back: a ROLLBACK would only be one more connection attempt.
      if (!notConnected(error)) await this.abandon(error);
      throw error;
    } finally {
      this.transactionNow = undefined;
    }
  }

  private sameConnection(connection: { closes: number }, closes: number): void {
    if (this.client === connection && connection.closes === closes) return;
    const error = new PostgresStoreError(this.server, 'the connection was lost inside a transaction, which did not commit', 'CONNECTION_CLOSED');
    error.lostBeforeCommit = true;
    throw error;
  }

  /**
   * Ends a transaction that failed with `error`; a connection that cannot even do that is
   * dropped. A ROLLBACK over a connection that is gone would connect again first: to a server
   * that is down or frozen, a second wait as long as the first; the server ends the transaction
   * of a connection that ends.
   */
  private async abandon(error: unknown): Promise<void> {
    if (error instanceof PostgresStoreError && error.unreachable) this.drop();
    if (this.client === undefined) return;
    try {
      await this.query('ROLLBACK');
    } catch {
      this.drop();
    }
  }

  private checkSchema(version: number): void {
    const latest = POSTGRES_MIGRATIONS.length;
    if (version > latest) {
      throw new PostgresStoreError(
        this.server,
        `the schema ${this.schema} is at version ${version}, newer than this agent-lease (${latest}): upgrade agent-lease`,
        undefined,
      );
    }
    if (version < latest) throw new SchemaBehind();
  }

  /** Creates the repository's schema or brings it up to date, under the repository's lock (one migrator). */
  private async migrate(): Promise<void> {
    const latest = POSTGRES_MIGRATIONS.length;
    try {
      await this.query(
        `${this.migrationOpening}; CREATE SCHEMA IF NOT EXISTS ${this.schema};
         CREATE TABLE IF NOT EXISTS ${this.schema}.agent_lease_schema (version integer NOT NULL, changes bigint NOT NULL)`,
        undefined,
        this.lockWaitMs,
      );
      const [row] = await this.query<{ version: number | null; now: number }>(
        'SELECT (SELECT version FROM agent_lease_schema) AS version, (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now',
      );
      const from = row!.version ?? 0;
      if (row!.version === null) await this.query('INSERT INTO agent_lease_schema (version, changes) VALUES (0, 0)');
      if (from < latest) {
        for (const step of POSTGRES_MIGRATIONS.slice(from)) await this.query(step);
        await this.query(`UPDATE agent_lease_schema SET version = ${latest}, changes = changes + 1`);
        const at = this.options.now?.() ?? row!.now;
        await this.query('INSERT INTO events (at, kind, detail) VALUES ($1, $2, $3)', [at, 'migrate', JSON.stringify({ from, to: latest, pid: process.pid })]);
      }
      await this.query('COMMIT');
    } catch (error) {
      await this.abandon(error);
      throw error;
    }
  }
}

type Rows<Row> = Row[] & { count: number };

function notConnected(error: unknown): error is PostgresStoreError {
  return error instanceof PostgresStoreError && NOT_CONNECTED.has(error.code ?? '');
}

/** One statement setting each of `settings` for the transaction only (SET LOCAL). */
function setLocal(settings: Record<string, string | number>): string {
  return `SELECT ${Object.entries(settings)
    .map(([name, value]) => `set_config('${name}', '${value}', true)`)
    .join(', ')}`;
}

function resultOf(statement: Statement, rows: Rows<unknown>): unknown {
  if (statement.kind === 'get') return rows[0];
  if (statement.kind === 'all') return [...rows];
  return { changes: rows.count } satisfies RunResult;
}
