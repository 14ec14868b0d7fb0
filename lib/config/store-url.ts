// The store's PostgreSQL URL in the config: whether agent-lease can read it, and whether it holds
// a password (which a committed file must not). Messages never quote the URL.
import { parsePostgresUrl } from '../util/postgres-url';

/** What is wrong with `text` as a PostgreSQL URL, or null. */
export function postgresUrlProblem(text: string): string | null {
  try {
    parsePostgresUrl(text);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

export function urlHasPassword(text: string): boolean {
  const url = parsePostgresUrl(text);
  return url.password !== '' || url.params.has('password');
}

/** What to say when a committed file names a password. */
export const PASSWORD_IN_CONFIG = 'a password does not belong in .agent-lease.json (it is committed with the repository): give it in PGPASSWORD or ~/.pgpass';
