// Where the server works and who it acts as. The repository is the one the server was started in
// (Claude Code starts it in the project directory); the store stays open for the server's life.
// The session is that of the agent process that started the server (its parent): the live session
// the store records for that process, so that after /clear (which ends one session id and starts
// another in the same process) the server acts as the new one; before any hook has registered
// one, the id the client put in the environment.
import { dirname } from 'node:path';
import { loadConfig, type Config } from '../lib/config/load';
import { identify, type ProcessIdentity } from '../lib/core/processes';
import { agentSessionOf, getSession, registerSession, touchSession } from '../lib/core/sessions';
import type { Store } from '../lib/core/store';
import { currentBranch, requireRepo, type RepoLocation } from '../lib/git/repo';
import { storePathOf } from '../lib/git/store-location';
import { AgentLeaseError } from '../lib/util/errors';
import { chooseStore } from '../lib/stores/choice';
import { openChosenStore } from '../lib/stores/open';

export interface Workspace {
  cwd: string;
  repo: RepoLocation;
  store: Store;
  config(): Config;
  /** The session the tools act as, registered if it is new. */
  session(): Promise<string>;
}

export function openWorkspace(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Workspace {
  const repo = requireRepo(cwd);
  const storePath = storePathOf(repo, env);
  const store = openChosenStore(chooseStore(repo, loadConfig(repo.worktreeRoot, dirname(storePath)), env));
  const agent = identify(process.ppid);
  return {
    cwd,
    repo,
    store,
    config: () => loadConfig(repo.worktreeRoot, dirname(storePath)),
    session: () => actingSession(store, repo, agent, env),
  };
}

async function actingSession(store: Store, repo: RepoLocation, agent: ProcessIdentity | null, env: NodeJS.ProcessEnv): Promise<string> {
  const recorded = agent === null ? null : await agentSessionOf(store, [agent]);
  if (recorded !== null) {
    await touchSession(store, recorded.id);
    return recorded.id;
  }
  const id = env.AGENT_LEASE_SESSION || env.CLAUDE_CODE_SESSION_ID;
  if (!id) throw new AgentLeaseError('no session to act as: the server was not started by Claude Code (set AGENT_LEASE_SESSION for other clients)');
  const known = await getSession(store, id);
  if (known?.alive) {
    await touchSession(store, id);
    return id;
  }
  const runtime = env.CLAUDE_CODE_SESSION_ID === id ? 'claude-code' : 'mcp';
  return (await registerSession(store, { id, runtime, worktree: repo.worktreeRoot, branch: currentBranch(repo.gitDir), process: agent })).id;
}
