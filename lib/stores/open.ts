// Opening the store a repository uses (choice.ts): the SQLite file, or the repository's schema on
// the PostgreSQL server. The PostgreSQL engine and its client are loaded only in team mode. Its
// password, when neither the URL nor PGPASSWORD gives one, comes from ~/.pgpass, looked up only
// if the server asks for one.
import { userInfo } from 'node:os';
import type { Store } from '../core/store';
import type { StoreChoice } from './choice';
import { passwordFromFile } from './pgpass';

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
  const hasPassword = new URL(choice.url).password !== '' || env.PGPASSWORD !== undefined;
  return openPostgresStore({
    url: choice.url,
    repository: choice.repository.id,
    password: hasPassword ? undefined : async () => (await passwordFromFile(libpqDefaults(choice.url, env))) ?? '',
    ...now,
  });
}

/** The server, port, database and user a URL means once libpq's defaults fill what it leaves out (what ~/.pgpass is matched against). */
function libpqDefaults(url: string, env: NodeJS.ProcessEnv): { host: string; port: string; database: string; user: string } {
  const parsed = new URL(url);
  const params = parsed.searchParams;
  const user = decodeURIComponent(parsed.username) || params.get('user') || env.PGUSER || userInfo().username;
  return {
    host: decodeURIComponent(parsed.hostname) || params.get('host') || env.PGHOST || 'localhost',
    port: parsed.port || params.get('port') || env.PGPORT || '5432',
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || params.get('dbname') || env.PGDATABASE || user,
    user,
  };
}
