// What a command needs about where it runs: the repository, its configuration, the store, and who
// is asking (`--session`, else AGENT_LEASE_SESSION, else CLAUDE_CODE_SESSION_ID, else the user).
import { userInfo } from 'node:os';
import { loadConfig, type Config } from '../lib/config';
import { AgentLeaseError } from '../lib/errors';
import { findAgentProcess } from '../lib/processes';
import { currentBranch, requireRepo, type RepoLocation } from '../lib/repo';
import { getSession, registerSession, type Session } from '../lib/sessions';
import { defaultStorePath, openStore, type Store } from '../lib/store';
import { dirname } from 'node:path';

export interface CommandContext {
  repo: RepoLocation;
  config: Config;
  storePath: string;
  /** Opens (creating if need be) the store. */
  store(): Store;
}

export function commandContext(cwd = process.cwd()): CommandContext {
  const repo = requireRepo(cwd);
  const storePath = defaultStorePath(cwd);
  const config = loadConfig(repo.worktreeRoot, dirname(storePath));
  let store: Store | undefined;
  return {
    repo,
    config,
    storePath,
    store: () => (store ??= openStore({ path: storePath })),
  };
}

export interface IdentityFlags {
  session?: string | undefined;
  as?: string | undefined;
}

/**
 * The session a command acts as, registered if new. An id from Claude Code's environment is its
 * agent's own session (registered with the agent process, as the hooks would); a person gets a
 * command-line session named after them, whose leases are not tied to any process.
 */
export function resolveSession(context: CommandContext, flags: IdentityFlags): Session {
  const store = context.store();
  const explicit = flags.session ?? process.env.AGENT_LEASE_SESSION ?? undefined;
  const fromClaude = explicit === undefined ? process.env.CLAUDE_CODE_SESSION_ID : undefined;
  const id = explicit ?? fromClaude ?? personId(flags.as);
  if (id.trim() === '') throw new AgentLeaseError('the session id is empty');
  const existing = getSession(store, id);
  if (existing !== null && existing.endedAt === null) return existing;
  const where = { worktree: context.repo.worktreeRoot, branch: currentBranch(context.repo.gitDir) };
  if (fromClaude !== undefined) {
    return registerSession(store, { id, runtime: 'claude-code', process: findAgentProcess(), ...where });
  }
  return registerSession(store, { id, name: flags.as ?? existing?.name ?? id, runtime: 'cli', ...where });
}

function personId(as: string | undefined): string {
  if (as !== undefined) return as;
  return process.env.USER ?? process.env.LOGNAME ?? userInfo().username;
}
