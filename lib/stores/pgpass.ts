// The password for a PostgreSQL server from libpq's password file (`PGPASSFILE`, else
// `~/.pgpass`), read by the `pgpass` package (node-postgres' own), since the client agent-lease
// uses reads PGPASSWORD but not the file. Loaded only in team mode, when no password is given
// otherwise; the package warns on stderr about a file others may read, and ignores it, as libpq does.

export interface PasswordQuery {
  host: string;
  port: string;
  database: string;
  user: string;
}

export function passwordFromFile(query: PasswordQuery): Promise<string | undefined> {
  const pgpass = require('pgpass') as (connInfo: PasswordQuery, callback: (password: string | undefined) => void) => void;
  // A socket directory is a connection to localhost, as libpq matches it.
  const host = query.host.startsWith('/') ? 'localhost' : query.host;
  return new Promise((resolve) => pgpass({ ...query, host }, resolve));
}
