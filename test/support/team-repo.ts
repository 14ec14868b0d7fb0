// A repository for team-mode tests through the compiled CLI and hooks: a CLI repository whose
// origin is a remote of its own, so that its id, and with it its schema on the shared PostgreSQL
// server, is new.
import type { TestContext } from 'node:test';
import { randomUUID } from 'node:crypto';
import { makeCliRepo, type CliRepo } from './cli';
import { sharedPostgres } from './postgres';

export interface TeamRepo {
  repo: CliRepo;
  /** The shared server's URL. */
  url: string;
  /** The environment that puts a command or hook on it: `AGENT_LEASE_STORE`. */
  team: NodeJS.ProcessEnv;
  /** The repository's id there. */
  repository: string;
}

/** `url`: another server than the shared one. */
export async function teamRepo(t: TestContext, url?: string): Promise<TeamRepo> {
  const repo = makeCliRepo();
  t.after(() => repo.cleanup());
  const repository = ownOrigin(repo);
  const server = url ?? (await sharedPostgres()).url;
  return { repo, url: server, team: { AGENT_LEASE_STORE: server }, repository };
}

/** Gives `repo` an origin of its own and returns the repository id team mode knows it by: its schema and lock on a server are new. */
export function ownOrigin(repo: { git(args: string[]): string }): string {
  const repository = `example.com/team/app-${randomUUID()}`;
  repo.git(['remote', 'add', 'origin', `git@${repository.replace('/', ':')}.git`]);
  return repository;
}
