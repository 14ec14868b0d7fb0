// Which server and schema a PostgreSQL store is, and what went wrong with it, said to a person in
// one line that names the server and never its password.
import { createHash } from 'node:crypto';
import type { PostgresUrl } from '../util/postgres-url';
import { NamedStoreError } from '../util/errors';
import { firstLine, plainText } from '../util/text';

export class PostgresStoreError extends NamedStoreError {
  /** The connection went away before COMMIT was sent: nothing committed, the transaction may run again. */
  lostBeforeCommit = false;
  /**
   * The server could not be reached, or stopped answering, or the connection to it is gone: there
   * is no connection to end the transaction on, and connecting again at once would only wait as
   * long again (store.ts: the store answers with this error at once for a while).
   */
  readonly unreachable: boolean;

  constructor(
    /** `host:port/database`. */
    readonly server: string,
    reason: string,
    /** The SQLSTATE or the client's code, when there is one. */
    readonly code: string | undefined,
  ) {
    super(`postgres ${server}`, reason);
    this.name = 'PostgresStoreError';
    this.unreachable = UNREACHABLE.has(code ?? '');
  }
}

/** Codes of a server that is not there, not answering (TIMEOUT: no answer within the store's own limit), or gone from the connection. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECT_TIMEOUT',
  'ETIMEDOUT',
  'TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'ECONNRESET',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
]);

/** `host:port/database` of a postgres:// URL (`a:5432,b:5432/database` for a list), without its user or password. */
export function serverName(parsed: PostgresUrl): string {
  const hosts = parsed.hosts.map(({ host, port }) => `${host || 'localhost'}:${port || '5432'}`).join(',');
  return `${hosts}/${parsed.database || parsed.user || 'postgres'}`;
}

/**
 * Which server of a list to stay on: every transaction of the store may write, so with more than
 * one server (a primary and its standbys, for failover) the one not in recovery, unless the URL or
 * PGTARGETSESSIONATTRS says otherwise. One server: whatever it is (a standby then fails in one line).
 */
export function targetSessionAttrs(parsed: PostgresUrl, env: NodeJS.ProcessEnv): 'primary' | undefined {
  if (parsed.hosts.length < 2 || parsed.params.has('target_session_attrs') || env.PGTARGETSESSIONATTRS !== undefined) return undefined;
  return 'primary';
}

/** Where one repository's tables live, and the advisory lock that serializes its writers. */
export interface RepositoryPlace {
  /** A schema name: lowercase letters, digits and underscores only, so it needs no quoting. */
  schema: string;
  /** A signed 64-bit integer, as decimal text. */
  lockKey: string;
}

/** The schema and lock of the repository `id` (its identity across clones: lib/git/identity.ts). */
export function repositoryPlace(id: string): RepositoryPlace {
  const digest = createHash('sha256').update(id).digest();
  const slug = id
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 32);
  return {
    schema: `agent_lease_${slug}${slug === '' ? '' : '_'}${digest.subarray(0, 4).toString('hex')}`,
    lockKey: digest.readBigInt64BE(0).toString(),
  };
}

const CAUSES: ReadonlyArray<[codes: string[], what: string]> = [
  [['ECONNREFUSED'], 'the server refused the connection: is it running, on that host and port?'],
  [['ENOTFOUND', 'EAI_AGAIN'], 'the host name was not found'],
  [['EHOSTUNREACH', 'ENETUNREACH'], 'the host cannot be reached'],
  [['CONNECT_TIMEOUT', 'ETIMEDOUT'], 'no connection within the connect timeout: the server is down, slow or unreachable'],
  [
    ['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'ECONNRESET', 'EPIPE', '57P01', '57P02', '57P03'],
    'the connection was lost: the server stopped, restarted or is starting up',
  ],
  [['57014'], 'a statement ran past the statement timeout: the server is slow'],
  [['55P03'], 'no turn at the repository lock within the lock wait: too many writers at once, or one is stuck'],
  [['28P01', '28000'], 'the server refused the user or password (PGPASSWORD, ~/.pgpass)'],
  [['3D000'], 'the database does not exist'],
  [['53300'], 'the server has too many connections'],
  [['25006'], 'the server is a standby, which takes no writes: name the primary, or list it with its standbys (postgres://user@primary,standby/database)'],
  [['42501'], 'the user may not create or change the schema and tables'],
  // Statements are prepared by name unless the URL says pool_mode=transaction: the next transaction, on another server connection, misses them.
  [
    ['26000', '42P05'],
    'a prepared statement is missing on the server connection: the URL names a pooler in transaction pooling mode (PgBouncer), so add pool_mode=transaction to it',
  ],
];

/** `error` (from the client, the server or the network) as a one-line `PostgresStoreError`. */
export function storeError(server: string, error: unknown): PostgresStoreError {
  if (error instanceof PostgresStoreError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const codeText = typeof code === 'string' ? code : undefined;
  const cause = codeText === undefined ? undefined : CAUSES.find(([codes]) => codes.includes(codeText))?.[1];
  const said = plainText(firstLine(error instanceof Error ? error.message : String(error))).slice(0, 300);
  const detail = cause ?? (codeText === undefined ? said : `${codeText}: ${said}`);
  return new PostgresStoreError(server, detail, codeText);
}

/** Retrying the whole transaction may succeed: a serialization failure or a deadlock. */
export function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}

/** The schema or its tables are not there yet (a first use): migrate, then go on. */
export function isMissingSchema(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '42P01' || code === '3F000';
}
