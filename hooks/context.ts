// What every hook needs: the session asking, the worktree it works in, the configuration, and the
// store. The store is used through `withStore`, which turns any failure into a one-line problem
// for the hook to report (a crashing hook would let an edit through in silence).
import { dirname } from 'node:path';
import { DEFAULT_CONFIG, loadConfig, type Config } from '../lib/config';
import { AgentLeaseError, describeError } from '../lib/errors';
import { currentBranch, locateRepo, type RepoLocation } from '../lib/repo';
import { openStore, storePathOf, type Store } from '../lib/store';
import { findAgentProcess, type ProcessIdentity } from '../lib/processes';
import { getSession, registerSession, touchSession, type SessionRegistration } from '../lib/sessions';
import { optionalString, requiredString } from './input';
import type { HookInput } from './types';

export interface HookContext {
  sessionId: string;
  cwd: string;
  repo: RepoLocation;
  storePath: string;
  config: Config;
  /** Why the configuration file was not used, when it was not. */
  configProblem: string | null;
}

export type StoreResult<T> = { ok: true; value: T } | { ok: false; problem: string };

/** The context of a hook call, or null when the session does not work inside a git worktree. */
export function hookContext(input: HookInput): HookContext | null {
  const sessionId = requiredString(input, 'session_id');
  const cwd = optionalString(input, 'cwd') ?? process.cwd();
  let repo: RepoLocation | null;
  try {
    repo = locateRepo(cwd);
  } catch (error) {
    throw new AgentLeaseError(`cannot use the input's cwd ${cwd} (${describeError(error)}); nothing was leased`);
  }
  if (repo === null) return null;
  const storePath = storePathOf(repo);
  let config: Config = DEFAULT_CONFIG;
  let configProblem: string | null = null;
  try {
    config = loadConfig(repo.worktreeRoot, dirname(storePath));
  } catch (error) {
    configProblem = `agent-lease: ${describeError(error)}; using the default settings`;
  }
  return { sessionId, cwd, repo, storePath, config, configProblem };
}

/** Runs `use` against the store; any failure (cannot open, locked too long, corrupt) becomes a problem line. */
export function withStore<T>(context: HookContext, use: (store: Store) => T): StoreResult<T> {
  let store: Store | undefined;
  try {
    store = openStore({ path: context.storePath });
    return { ok: true, value: use(store) };
  } catch (error) {
    return { ok: false, problem: `agent-lease cannot use its store ${context.storePath}: ${describeError(error)}` };
  } finally {
    store?.close();
  }
}

/**
 * Makes sure the session is registered and open, and marks it seen. A session that started before
 * agent-lease was installed (no SessionStart) is registered on its first hook call.
 */
export function ensureSession(store: Store, context: HookContext): void {
  const session = getSession(store, context.sessionId);
  if (session !== null && session.endedAt === null) {
    touchSession(store, context.sessionId);
    return;
  }
  registerSession(store, sessionRegistration(context, findAgentProcess()));
}

/** This Claude Code session as the store records it: its worktree, branch and agent process. */
export function sessionRegistration(context: HookContext, agent: ProcessIdentity | null): SessionRegistration {
  return {
    id: context.sessionId,
    runtime: 'claude-code',
    worktree: context.repo.worktreeRoot,
    branch: currentBranch(context.repo.gitDir),
    process: agent,
  };
}
