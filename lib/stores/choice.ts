// Which store a repository uses. SQLite under the git common dir unless team mode is asked for: the
// environment first (`AGENT_LEASE_STORE`, then `AGENT_LEASE_DB`, a SQLite file), then the
// `store` of `.agent-lease.json`. In team mode the repository is known by an id every clone
// computes alike (lib/git/identity.ts), and its leases are kept apart from other repositories'.
import type { Config } from '../config/load';
import type { ConnectionSettings } from '../postgres/connection-settings';
import { repositoryIdentity, type RepositoryIdentity } from '../git/identity';
import type { RepoLocation } from '../git/repo';
import { storePathOf } from '../git/store-location';
import { resolve } from 'node:path';
import { AgentLeaseError } from '../util/errors';
import { shellWord } from '../util/text';

/** What asked for the store in use. */
export type ChosenBy = 'AGENT_LEASE_STORE' | 'AGENT_LEASE_DB' | '.agent-lease.json' | 'default' | '--to' | 'openStore';

export type StoreChoice =
  | { engine: 'sqlite'; path: string; chosenBy: ChosenBy }
  | {
      engine: 'postgres';
      /** As given: from the environment it may hold a password, so it is never shown. */
      url: string;
      /** `host:port/database`, nothing secret. */
      server: string;
      /** What the URL says about connecting, read once: the store opens with it. */
      connection: ConnectionSettings;
      repository: RepositoryIdentity;
      chosenBy: ChosenBy;
    };

export type StoreSettings = Pick<Config, 'store' | 'repositoryId' | 'integrationBranch'>;

/** The store `repo` uses, with `config` its `.agent-lease.json`. Throws a one-line AgentLeaseError when team mode is asked for but cannot be used. */
export function chooseStore(repo: RepoLocation, config: StoreSettings, env: NodeJS.ProcessEnv = process.env): StoreChoice {
  const fromEnv = env.AGENT_LEASE_STORE?.trim();
  if (fromEnv) {
    if (fromEnv === 'sqlite') return sqliteStore(repo, env, env.AGENT_LEASE_DB ? 'AGENT_LEASE_DB' : 'AGENT_LEASE_STORE');
    return postgresStore(repo, config, fromEnv, 'AGENT_LEASE_STORE');
  }
  if (env.AGENT_LEASE_DB) return sqliteStore(repo, env, 'AGENT_LEASE_DB');
  if (config.store !== null && config.store !== 'sqlite') return postgresStore(repo, config, config.store, '.agent-lease.json');
  return sqliteStore(repo, env, config.store === 'sqlite' ? '.agent-lease.json' : 'default');
}

/** The store `target` names (`sqlite`, `sqlite:PATH` or a PostgreSQL URL), for `store migrate --to`. */
export function namedStore(repo: RepoLocation, config: StoreSettings, target: string, env: NodeJS.ProcessEnv = process.env): StoreChoice {
  if (target === 'sqlite') return sqliteStore(repo, env, '--to');
  if (target.startsWith('sqlite:')) return { engine: 'sqlite', path: resolve(target.slice('sqlite:'.length)), chosenBy: '--to' };
  return postgresStore(repo, config, target, '--to');
}

function sqliteStore(repo: RepoLocation, env: NodeJS.ProcessEnv, chosenBy: ChosenBy): StoreChoice {
  return { engine: 'sqlite', path: storePathOf(repo, env), chosenBy };
}

/** The PostgreSQL store `url` names for `repo`, known as every clone knows it. */
export function postgresStore(repo: RepoLocation, config: StoreSettings, url: string, chosenBy: ChosenBy): StoreChoice {
  const connection = checkedConnection(url, chosenBy);
  let repository: RepositoryIdentity;
  try {
    repository = repositoryIdentity(repo, { configured: config.repositoryId, integrationBranch: config.integrationBranch });
  } catch (error) {
    throw new AgentLeaseError(`team mode (the store ${connection.server}, from ${chosenBy}) cannot be used: ${(error as Error).message}`);
  }
  return { engine: 'postgres', url, server: connection.server, connection, repository, chosenBy };
}

/** The PostgreSQL store `url` names for the repository whose id is given (no repository at hand to compute it from). */
export function postgresStoreOf(repositoryId: string, url: string, chosenBy: ChosenBy): StoreChoice {
  const connection = checkedConnection(url, chosenBy);
  return { engine: 'postgres', url, server: connection.server, connection, repository: { id: repositoryId, from: { config: true } }, chosenBy };
}

function checkedConnection(url: string, chosenBy: ChosenBy): ConnectionSettings {
  const { connectionSettings } = require('../postgres/connection-settings') as typeof import('../postgres/connection-settings');
  try {
    return connectionSettings(url);
  } catch (error) {
    // The URL itself is never quoted: it may hold a password.
    throw new AgentLeaseError(`${chosenBy} names no store agent-lease can use: ${(error as Error).message}`);
  }
}

/** The store in words, for `status`, `doctor` and a session's briefing: never a password. */
export function describeStore(choice: StoreChoice): string {
  if (choice.engine === 'sqlite') return `SQLite ${shellWord(choice.path)}${choice.chosenBy === 'default' ? '' : ` (from ${choice.chosenBy})`}`;
  return `PostgreSQL ${choice.server}, repository ${choice.repository.id} (team mode, from ${choice.chosenBy})`;
}

/** The store as `--json` output shows it: never a password. */
export function storeJson(choice: StoreChoice): { engine: 'sqlite' | 'postgres'; store: string; repository?: string; chosenBy: ChosenBy } {
  return choice.engine === 'sqlite'
    ? { engine: 'sqlite', store: choice.path, chosenBy: choice.chosenBy }
    : { engine: 'postgres', store: choice.server, repository: choice.repository.id, chosenBy: choice.chosenBy };
}

/** A key that names the store: two choices with the same key are one store. */
export function storeKey(choice: StoreChoice): string {
  return choice.engine === 'sqlite' ? choice.path : `${choice.server}#${choice.repository.id}`;
}
