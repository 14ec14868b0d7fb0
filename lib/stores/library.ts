// The store a program using agent-lease as a library opens (`openStore` of the public API): the one
// the hooks of the repository use, chosen the same way (choice.ts: AGENT_LEASE_STORE, then
// AGENT_LEASE_DB as a SQLite file, then `store` in .agent-lease.json), unless the caller names one:
// a SQLite file (`path`, what openStore always took) or a PostgreSQL server (`url`). PostgreSQL's
// client is loaded only when PostgreSQL is the store.
import { dirname } from 'node:path';
import { loadConfig } from '../config/load';
import type { Store } from '../core/store';
import { requireRepo } from '../git/repo';
import { storePathOf } from '../git/store-location';
import { AgentLeaseError } from '../util/errors';
import { chooseStore, postgresStore, postgresStoreOf, type StoreChoice } from './choice';
import { openChosenStore, type OpenChosenOptions } from './open';

export interface LibraryStoreOptions extends OpenChosenOptions {
  /** A SQLite file to open, whatever the repository is configured to use. */
  path?: string;
  /** A PostgreSQL server to open (team mode): postgres://user@host:5432/database; a password in it is used, never shown. */
  url?: string;
  /** With `url`: the repository's id on that server; by default the one every clone of the repository containing `cwd` computes. */
  repository?: string;
  /** Where to find the repository; default the working directory. */
  cwd?: string;
  /** The environment to choose by; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Opens the store the hooks of the repository containing `cwd` use (SQLite, or PostgreSQL in team
 * mode), or the SQLite file `path`, or the PostgreSQL server `url`. A SQLite file is created if
 * need be; a PostgreSQL store connects at its first transaction.
 */
export function openLibraryStore(options: LibraryStoreOptions = {}): Store {
  const { path, url, repository, cwd, env, ...open } = options;
  return openChosenStore(libraryChoice({ path, url, repository, cwd, env }), open);
}

function libraryChoice(options: Pick<LibraryStoreOptions, 'path' | 'url' | 'repository' | 'cwd' | 'env'>): StoreChoice {
  const { path, url, repository } = options;
  if (path !== undefined && url !== undefined) throw new AgentLeaseError('openStore takes a SQLite path or a PostgreSQL url, not both');
  if (path !== undefined) return { engine: 'sqlite', path, chosenBy: 'openStore' };
  if (repository !== undefined && url === undefined) throw new AgentLeaseError('openStore: repository goes with url');
  if (url !== undefined && repository !== undefined) return postgresStoreOf(repository, url, 'openStore');
  const env = options.env ?? process.env;
  const repo = requireRepo(options.cwd ?? process.cwd());
  const config = loadConfig(repo.worktreeRoot, dirname(storePathOf(repo, env)));
  return url === undefined ? chooseStore(repo, config, env) : postgresStore(repo, config, url, 'openStore');
}
