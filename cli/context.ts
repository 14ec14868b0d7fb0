// What a command needs about where it runs: the repository, its configuration, the store, and who
// is asking (`--session` or `--as`, else AGENT_LEASE_SESSION, else CLAUDE_CODE_SESSION_ID, else
// the user).
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { loadConfig, type Config } from '../lib/config/load';
import { AgentLeaseError } from '../lib/util/errors';
import { recordEvent } from '../lib/core/events';
import { ancestorProcesses, findAgentProcess } from '../lib/core/processes';
import { currentBranch, requireRepo, type RepoLocation } from '../lib/git/repo';
import { agentSessionOf, getSession, registerSession, resolveSessionRef, shortSessionId, touchSession, type Session } from '../lib/core/sessions';
import { restartedStoreNotice, StoreMissingError, storeSeemsRemoved } from '../lib/core/sqlite';
import type { Store } from '../lib/core/store';
import { storePathOf } from '../lib/git/store-location';
import { chooseStore, type StoreChoice } from '../lib/stores/choice';
import { openChosenStore } from '../lib/stores/open';
import { keptUntilExit } from './open-stores';
import { writeErr } from './output';

export interface CommandContext {
  cwd: string;
  repo: RepoLocation;
  config: Config;
  /** The repository's SQLite file, or where it would be (its directory keeps local files in every mode). */
  storePath: string;
  /** Which store the repository uses. */
  storeChoice: StoreChoice;
  /** Opens (creating if need be) the store. */
  store(): Store;
  /** Opens the store only if it exists: commands that only read never create it. */
  existingStore(): Store | null;
}

export function commandContext(cwd = process.cwd()): CommandContext {
  const repo = requireRepo(cwd);
  const storePath = storePathOf(repo);
  const config = loadConfig(repo.worktreeRoot, dirname(storePath));
  const storeChoice = chooseStore(repo, config);
  let store: Store | undefined;
  return {
    cwd,
    repo,
    config,
    storePath,
    storeChoice,
    store: () => {
      if (store === undefined) {
        if (storeChoice.engine === 'sqlite' && storeSeemsRemoved(storeChoice.path)) writeErr(restartedStoreNotice(storeChoice.path));
        store = keptUntilExit(openChosenStore(storeChoice));
      }
      return store;
    },
    existingStore: () => {
      if (store !== undefined) return store;
      try {
        store = keptUntilExit(openChosenStore(storeChoice, { mustExist: true }));
        return store;
      } catch (error) {
        if (error instanceof StoreMissingError) return null;
        throw error;
      }
    },
  };
}

export interface IdentityFlags {
  session?: string | undefined;
  as?: string | undefined;
  /** Act for an agent's session although this command does not run under its agent process. */
  force?: boolean | undefined;
}

/**
 * The session a command acts as, registered if new. An id from Claude Code's environment is its
 * agent's own session (registered with the agent process, as the hooks would); a person gets a
 * command-line session named after them, whose leases are not tied to any process.
 */
export async function resolveSession(context: CommandContext, flags: IdentityFlags, command: string): Promise<Session> {
  const store = context.store();
  const { id, fromClaude } = await actingIdentity(store, flags, command);
  const existing = await getSession(store, id);
  if (existing?.alive) {
    await touchSession(store, id);
    return existing;
  }
  const where = { worktree: context.repo.worktreeRoot, branch: currentBranch(context.repo.gitDir) };
  if (fromClaude) {
    return await registerSession(store, { id, runtime: 'claude-code', process: findAgentProcess(), ...where });
  }
  return await registerSession(store, { id, name: flags.as ?? existing?.name ?? id, runtime: 'cli', ...where });
}

/**
 * Who a command acts as, given the store: `--session`/`--as` may be any unique prefix of a session
 * id. Naming a live agent's session whose agent process is not running this command is acting for
 * someone else: it needs `--force`, and is logged (`act-as`) with who really acted.
 */
export async function actingIdentity(store: Store | null, flags: IdentityFlags, command: string): Promise<{ id: string; fromClaude: boolean }> {
  const identity = sessionIdentity(flags);
  if (store === null || (flags.session === undefined && flags.as === undefined)) return identity;
  const id = await resolveSessionRef(store, identity.id);
  const target = await getSession(store, id);
  if (target === null || target.pid === null || !target.alive) return { id, fromClaude: identity.fromClaude };
  const ancestors = ancestorProcesses();
  if (ancestors.some((process) => process.pid === target.pid && process.startedAt === target.pidStart)) return { id, fromClaude: true };
  if (!flags.force) {
    throw new AgentLeaseError(
      `session ${shortSessionId(id)} belongs to an agent process that is not running this command; acting for it needs --force (and is logged)`,
    );
  }
  const actor =
    nonEmpty(process.env.AGENT_LEASE_SESSION) ?? nonEmpty(process.env.CLAUDE_CODE_SESSION_ID) ?? (await agentSessionOf(store, ancestors))?.id ?? personId();
  await store.write(() => recordEvent(store, { kind: 'act-as', sessionId: id, actor, detail: { command } }));
  return { id, fromClaude: false };
}

/**
 * Who a command speaks for, without registering anyone (for commands that only read). An id that
 * is Claude Code's own session id belongs to the agent running the command from its Bash tool.
 */
export function sessionIdentity(flags: IdentityFlags): { id: string; fromClaude: boolean } {
  if (flags.session !== undefined && flags.as !== undefined) {
    throw new AgentLeaseError('give --session or --as, not both');
  }
  const claudeId = nonEmpty(process.env.CLAUDE_CODE_SESSION_ID);
  const id = flags.session ?? flags.as ?? nonEmpty(process.env.AGENT_LEASE_SESSION) ?? claudeId ?? personId();
  if (id.trim() === '') throw new AgentLeaseError('the session id is empty');
  return { id, fromClaude: flags.as === undefined && id === claudeId };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function personId(): string {
  return process.env.USER || process.env.LOGNAME || userInfo().username;
}
