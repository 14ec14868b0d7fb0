// Where a repository keeps its store: one file under the git common dir, shared by every worktree
// (`AGENT_LEASE_DB` names another, for tests and unusual set-ups).
import { join } from 'node:path';
import { requireRepo, type RepoLocation } from './repo';

/** The store of the repository containing `cwd`. */
export function defaultStorePath(cwd = process.cwd()): string {
  return process.env.AGENT_LEASE_DB || storePathOf(requireRepo(cwd));
}

/** The store of a repository already located (locating costs a git process under GIT_DIR, as in hooks of linked worktrees). */
export function storePathOf(repo: RepoLocation, env: NodeJS.ProcessEnv = process.env): string {
  return env.AGENT_LEASE_DB || join(repo.commonDir, 'agent-lease', 'state.db');
}
