// Which server and schema a PostgreSQL store is, and what went wrong with it, said to a person in
// one line that names the server and never its password.
import { createHash } from 'node:crypto';
import { AgentLeaseError } from '../util/errors';
import { firstLine, plainText } from '../util/text';

export class PostgresStoreError extends AgentLeaseError {
  /** The connection went away before COMMIT was sent: nothing committed, the transaction may run again. */
  lostBeforeCommit = false;

  constructor(
    message: string,
    /** The SQLSTATE or the client's code, when there is one. */
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'PostgresStoreError';
  }
}

/** `host:port/database` of a postgres:// URL, without its user or password. */
export function serverName(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AgentLeaseError('the PostgreSQL store is not a URL like postgres://user@host:5432/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new AgentLeaseError(`the PostgreSQL store must be a postgres:// URL, not ${parsed.protocol}//…`);
  }
  const database = decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username) || 'postgres';
  return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}/${database}`;
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
  [['42501'], 'the user may not create or change the schema and tables'],
];

/** `error` (from the client, the server or the network) as a one-line `PostgresStoreError`. */
export function storeError(server: string, error: unknown): PostgresStoreError {
  if (error instanceof PostgresStoreError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const codeText = typeof code === 'string' ? code : undefined;
  const cause = codeText === undefined ? undefined : CAUSES.find(([codes]) => codes.includes(codeText))?.[1];
  const said = plainText(firstLine(error instanceof Error ? error.message : String(error))).slice(0, 300);
  const detail = cause ?? (codeText === undefined ? said : `${codeText}: ${said}`);
  return new PostgresStoreError(`postgres ${server}: ${detail}`, codeText);
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
