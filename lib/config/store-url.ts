// A PostgreSQL server named by URL (`postgres://user@host:port/database?…`, as libpq takes it):
// whether agent-lease can read it, and whether it holds a password (which a committed file must
// not). Messages never quote the URL.

/** What is wrong with `text` as a PostgreSQL URL, or null. */
export function postgresUrlProblem(text: string): string | null {
  if (!/^postgres(ql)?:\/\//i.test(text)) return 'expected "sqlite" or a PostgreSQL URL like postgres://user@host:5432/database';
  try {
    new URL(text);
    return null;
  } catch {
    return 'not a URL agent-lease can read (expected postgres://user@host:5432/database)';
  }
}

export function urlHasPassword(text: string): boolean {
  const parsed = new URL(text);
  return parsed.password !== '' || parsed.searchParams.has('password');
}

/** What to say when a committed file names a password. */
export const PASSWORD_IN_CONFIG = 'a password does not belong in .agent-lease.json (it is committed with the repository): give it in PGPASSWORD or ~/.pgpass';
