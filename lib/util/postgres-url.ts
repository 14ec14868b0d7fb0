// A PostgreSQL server named by URL (`postgres://user@host:port/database?…`, as libpq takes it,
// with a list of servers to try in turn: `postgres://user@primary:5432,standby:5432/database`),
// read into its parts, and shown without its password.

export interface PostgresUrl {
  /** The servers in the order a connection tries them; an empty host or port means libpq's default. */
  hosts: Array<{ host: string; port: string }>;
  user: string;
  password: string;
  database: string;
  params: URLSearchParams;
}

// The user part runs to the last `@` before the path, as WHATWG URL and libpq read it.
const SHAPE = /^(postgres(?:ql)?:\/\/)(?:([^/?#]*)@)?([^@/?#]*)(.*)$/i;
const EXPECTED = 'expected postgres://user@host:5432/database';

/** `text` read as libpq reads a URL; throws, saying what is wrong (never quoting it), when it cannot be. */
export function parsePostgresUrl(text: string): PostgresUrl {
  const match = SHAPE.exec(text);
  if (match === null) throw new Error(`expected "sqlite" or a PostgreSQL URL like postgres://user@host:5432/database`);
  const [, scheme, userInfo, hostList, rest] = match as unknown as [string, string, string | undefined, string, string];
  const credentials = userInfo === undefined ? '' : `${userInfo}@`;
  const hosts = hostList.split(',').map((one) => {
    let parsed: URL;
    try {
      parsed = new URL(`${scheme}${one}`);
    } catch {
      throw new Error(`not a URL agent-lease can read (${EXPECTED})`);
    }
    if (parsed.pathname !== '' || parsed.search !== '') throw new Error(`not a URL agent-lease can read (${EXPECTED})`);
    return { host: decodeURIComponent(parsed.hostname.replace(/^\[(.*)\]$/, '$1')), port: parsed.port };
  });
  let first: URL;
  try {
    first = new URL(`${scheme}${credentials}${hostList.split(',')[0]}${rest}`);
  } catch {
    throw new Error(`not a URL agent-lease can read (${EXPECTED})`);
  }
  return {
    hosts,
    user: decodeURIComponent(first.username),
    password: decodeURIComponent(first.password),
    database: decodeURIComponent(first.pathname.replace(/^\//, '')),
    params: first.searchParams,
  };
}

/** `text` without the password in its user part (a `password` parameter, too, is dropped). */
export function withoutPassword(text: string): string {
  const [, scheme, userInfo, hostList, rest] = SHAPE.exec(text) as unknown as [string, string, string | undefined, string, string];
  const user = userInfo === undefined ? '' : `${userInfo.split(':')[0]}@`;
  return withoutParams(`${scheme}${user}${hostList}${rest}`, ['password']);
}

/** `text` without the query parameters `names`, the rest (a list of servers included) as it was. */
export function withoutParams(text: string, names: string[]): string {
  const [beforeQuery, query] = splitOnce(text, '?');
  if (query === undefined) return text;
  const [params, fragment] = splitOnce(query, '#');
  const kept = new URLSearchParams(params);
  if (!names.some((name) => kept.has(name))) return text;
  for (const name of names) kept.delete(name);
  const search = kept.toString();
  return `${beforeQuery}${search === '' ? '' : `?${search}`}${fragment === undefined ? '' : `#${fragment}`}`;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
