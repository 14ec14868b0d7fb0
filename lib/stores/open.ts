// Opening the store a repository uses (choice.ts): the SQLite file, or the repository's schema on
// the PostgreSQL server. The PostgreSQL engine and its client are loaded only in team mode. Its
// password, when neither the URL nor PGPASSWORD gives one, comes from ~/.pgpass, looked up only
// if the server asks for one.
import { userInfo } from 'node:os';
import type { Store } from '../core/store';
import type { StoreChoice } from './choice';
import { parsePostgresUrl, type PostgresUrl } from '../util/postgres-url';
import { passwordFromFile, type PasswordQuery } from './pgpass';

export interface OpenChosenOptions {
  /** SQLite: how long one attempt waits for a writer that keeps the file locked. */
  busyTimeoutMs?: number;
  /** SQLite: fail with StoreMissingError instead of creating the file. */
  mustExist?: boolean;
  /** Milliseconds since the epoch instead of the store's own clock (the machine's, or PostgreSQL's); for tests. */
  now?: () => number;
}

export function openChosenStore(choice: StoreChoice, options: OpenChosenOptions = {}): Store {
  // Required here, not at the top: `doctor` asks which store is in use before it knows that better-sqlite3 loads.
  if (choice.engine === 'sqlite') return (require('../core/sqlite') as typeof import('../core/sqlite')).openStore({ path: choice.path, ...options });
  const { openPostgresStore } = require('../postgres/store') as typeof import('../postgres/store');
  const now = options.now === undefined ? {} : { now: options.now };
  const env = process.env;
  const url = parsePostgresUrl(choice.url);
  const hasPassword = url.password !== '' || url.params.has('password') || env.PGPASSWORD !== undefined;
  return openPostgresStore({
    url: choice.connection,
    repository: choice.repository.id,
    password: hasPassword ? undefined : () => passwordForAny(libpqDefaults(url, env)),
    ...now,
  });
}

/** The first of the servers' ~/.pgpass passwords, in the order they are tried (the client asks once, not per server). */
async function passwordForAny(servers: PasswordQuery[]): Promise<string> {
  for (const server of servers) {
    const password = await passwordFromFile(server);
    if (password !== undefined) return password;
  }
  return '';
}

/** Each server, port, database and user a URL means once libpq's defaults fill what it leaves out (what ~/.pgpass is matched against). */
function libpqDefaults(url: PostgresUrl, env: NodeJS.ProcessEnv): PasswordQuery[] {
  const params = url.params;
  const user = url.user || params.get('user') || env.PGUSER || userInfo().username;
  const database = url.database || params.get('dbname') || env.PGDATABASE || user;
  return url.hosts.map(({ host, port }) => ({
    host: host || params.get('host') || env.PGHOST || 'localhost',
    port: port || params.get('port') || env.PGPORT || '5432',
    database,
    user,
  }));
}
