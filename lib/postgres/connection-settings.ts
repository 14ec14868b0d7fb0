// How agent-lease connects to a PostgreSQL server, read from the query of its URL (so that one
// `store` URL, in `.agent-lease.json` or AGENT_LEASE_STORE, says everything):
//   connect_timeout  seconds one connection attempt may take (libpq's parameter, the same meaning)
//   connect_budget   seconds all attempts together may take: a refused attempt, one that timed out,
//                    or one the server turned away (too many connections, starting up) is tried again
//                    after a random pause, until this runs out
//   pool_mode        `transaction`: the URL names a pooler in transaction pooling mode (PgBouncer's
//                    term), where consecutive transactions may run on different server connections,
//                    so no statement is prepared by name (a statement then costs two round trips
//                    instead of one, which is why it is not the default); `session`: as direct
// agent-lease's own parameters are taken out before the client reads the URL: it would send any
// parameter it does not know to the server as a setting. The URL is read once, when the store is
// chosen (lib/stores/choice.ts), and the store opens with what was read.
import { AgentLeaseError } from '../util/errors';
import { parsePostgresUrl, type PostgresUrl, withoutParams } from '../util/postgres-url';
import { serverName, targetSessionAttrs } from './server';

export interface ConnectionSettings {
  /** The URL without agent-lease's parameters. */
  url: string;
  /** `host:port/database`, to name the server in messages. */
  server: string;
  /** Which server of a list to stay on (server.ts). */
  targetSessionAttrs: 'primary' | undefined;
  connectTimeoutMs: number;
  connectBudgetMs: number;
  /** Whether statements may be prepared by name: not through a pooler in transaction mode. */
  prepare: boolean;
}

/**
 * Measured (bench/team-mode.ts): 64 processes connecting at once to a server on a loaded 2-core
 * machine took up to 2.5 s, all told, while a connection normally takes a few milliseconds. An
 * attempt may take most of the budget, since a server that is slow to answer gets slower when
 * every client gives up and connects again; the budget leaves a hook (the shortest, SessionEnd,
 * has 5 s) the time to start and to run its statements (lib/postgres/store.ts).
 */
export const CONNECT_TIMEOUT_MS = 2000;
export const CONNECT_BUDGET_MS = 3000;

const PARAMETERS = { connect_timeout: 'connectTimeoutMs', connect_budget: 'connectBudgetMs' } as const;

/**
 * The settings `url` gives, agent-lease's defaults for the rest. Throws a one-line AgentLeaseError
 * for what is not a PostgreSQL URL (saying why, never quoting it) or a value that is not a number of
 * seconds.
 */
export function connectionSettings(url: string, env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  let parsed: PostgresUrl;
  try {
    parsed = parsePostgresUrl(url);
  } catch (error) {
    throw new AgentLeaseError((error as Error).message);
  }
  const params = parsed.params;
  const settings: ConnectionSettings = {
    url,
    server: serverName(parsed),
    targetSessionAttrs: targetSessionAttrs(parsed, env),
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    connectBudgetMs: CONNECT_BUDGET_MS,
    prepare: true,
  };
  const given = new Set<string>();
  const poolMode = params.get('pool_mode');
  if (poolMode !== null) {
    if (poolMode !== 'transaction' && poolMode !== 'session') {
      throw new AgentLeaseError("the PostgreSQL store's pool_mode must be transaction (a pooler such as PgBouncer in transaction pooling mode) or session");
    }
    settings.prepare = poolMode === 'session';
  }
  for (const [parameter, key] of Object.entries(PARAMETERS)) {
    const text = params.get(parameter);
    if (text === null) continue;
    const seconds = Number(text);
    if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 60) {
      throw new AgentLeaseError(`the PostgreSQL store's ${parameter} must be a number of seconds above 0 and at most 60`);
    }
    settings[key] = Math.round(seconds * 1000);
    given.add(parameter);
  }
  settings.url = withoutParams(url, ['pool_mode', ...Object.keys(PARAMETERS)]);
  // An attempt asked for alone, longer than the default budget, is given its time; a budget asked for bounds every attempt (lib/postgres/store.ts).
  if (!given.has('connect_budget')) settings.connectBudgetMs = Math.max(settings.connectBudgetMs, settings.connectTimeoutMs);
  return settings;
}
