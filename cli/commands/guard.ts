// `agent-lease guard`: the pre-commit check, run by git in whichever worktree the commit happens.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseCommandArgs } from '../args';
import type { Command } from '../command';
import { paint, writeErr } from '../output';
import { DEFAULT_CONFIG, loadConfig, type Config } from '../../lib/config/load';
import { AgentLeaseError, describeStoreError, EXIT, isEnvironmentError } from '../../lib/util/errors';
import { addonLoadProblem } from '../../lib/util/native-addon';
import { stagedPaths } from '../../lib/git/changes';
import {
  blockedFiles,
  describeHoldWarning,
  describeRefusal,
  isAgentEnvironment,
  recordGuardEvent,
  resolveCommitter,
  splitBlocked,
  type BlockedFile,
  type Committer,
} from '../../lib/guard/decision';
import { currentBranch, requireRepo } from '../../lib/git/repo';
import { storeSeemsRemoved } from '../../lib/core/sqlite';
import { chooseStore, type StoreChoice } from '../../lib/stores/choice';
import { openChosenStore } from '../../lib/stores/open';
import type { Store } from '../../lib/core/store';
import { storePathOf } from '../../lib/git/store-location';

const USAGE = `usage: agent-lease guard

Run by git before every commit (agent-lease init installs it). Refuses the commit when a staged
file (added, changed, deleted, or either side of a rename) is held exclusively by another live
session, naming each file, its holder, task, worktree and time left, and what to do.

environment:
  AGENT_LEASE_BYPASS=1    commit anyway; the bypass is logged with the files and the committer
  AGENT_LEASE_SESSION     who is committing; else CLAUDE_CODE_SESSION_ID, else the agent session
                          whose agent process runs this commit, else a person, whom every live
                          lease blocks

exit: 0 the commit may go on, 1 it touches held files, 2 the guard could not check it`;

export const command: Command = {
  usage: USAGE,
  run(args) {
    parseCommandArgs(args, {}, USAGE);
    return guard(process.cwd(), process.env);
  },
};

async function guard(cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  const repo = requireRepo(cwd);
  const storePath = storePathOf(repo, env);
  let config: Config | AgentLeaseError;
  try {
    config = loadConfig(repo.worktreeRoot, dirname(storePath));
  } catch (error) {
    if (!(error instanceof AgentLeaseError)) throw error;
    config = error;
  }
  let choice: StoreChoice | AgentLeaseError;
  try {
    choice = config instanceof AgentLeaseError ? chooseStore(repo, DEFAULT_CONFIG, env) : chooseStore(repo, config, env);
  } catch (error) {
    if (!(error instanceof AgentLeaseError)) throw error;
    choice = error;
  }
  // No store: agent-lease was never used in this repository, so nobody holds anything.
  if (!(choice instanceof AgentLeaseError) && choice.engine === 'sqlite' && !existsSync(choice.path)) {
    if (storeSeemsRemoved(choice.path))
      writeErr(
        `agent-lease guard: warning: there is no store at ${choice.path} although one was created there (deleted?), so no lease is held: the commit was not checked`,
      );
    return EXIT.ok;
  }
  const paths = stagedPaths(cwd, repo.gitDir, env);
  if (paths.length === 0) return EXIT.ok;
  const bypass = env.AGENT_LEASE_BYPASS === '1';
  if (config instanceof AgentLeaseError) return cannotCheck(config.message, bypass, 'refuse', 'Fix that file.');
  const storeName = choice instanceof AgentLeaseError ? 'in use' : choice.engine === 'sqlite' ? `at ${choice.path}` : `on PostgreSQL ${choice.server}`;
  try {
    if (choice instanceof AgentLeaseError) throw choice;
    const store = openChosenStore(choice, { mustExist: true });
    try {
      const committer = await resolveCommitter(store, env);
      const where = { worktree: repo.worktreeRoot, gitDir: repo.gitDir, env, config, branch: currentBranch(repo.gitDir) };
      const { refused: blocked, warned } = splitBlocked(await blockedFiles(store, paths, committer, where), committer, config.branchHolds.personCommits);
      if (warned.length > 0) writeErr(paint(describeHoldWarning(warned, store.now()), 'yellow', process.stderr));
      if (blocked.length === 0) return EXIT.ok;
      if (bypass) {
        const files = blocked.length === 1 ? blocked[0]!.path : `${blocked.length} files`;
        const logged = await logGuardEvent(store, 'bypass', committer, blocked);
        writeErr(`agent-lease guard: AGENT_LEASE_BYPASS=1: committing ${files} held by other sessions; ${logged ?? `logged as a bypass by ${committer.name}`}`);
        return EXIT.ok;
      }
      const logged = await logGuardEvent(store, 'refuse', committer, blocked);
      writeErr(paint(describeRefusal(blocked, committer, store.now()), 'red', process.stderr));
      if (logged !== null) writeErr(`agent-lease guard: ${logged}`);
      return EXIT.conflict;
    } finally {
      await store.close();
    }
  } catch (error) {
    if (!isStoreError(error)) throw error;
    const addon = addonLoadProblem(error);
    if (addon !== null) return cannotCheck(addon, bypass, config.guard.onStoreError, null);
    return cannotCheck(
      `cannot read the agent-lease store ${storeName}: ${describeStoreError(error)}`,
      bypass,
      config.guard.onStoreError,
      `${choice instanceof AgentLeaseError || choice.engine === 'sqlite' ? 'Run agent-lease doctor; a damaged store can be moved away (agent-lease starts a new, empty one).' : 'Run agent-lease doctor; check that the PostgreSQL server is up and reachable from here.'}\n` +
        '  To only warn from now on: {"guard": {"onStoreError": "warn"}} in .agent-lease.json.',
    );
  }
}

/** Records the refusal or bypass; null when it could, else why not (a full disk or a read-only store cannot take it). */
async function logGuardEvent(store: Store, kind: 'refuse' | 'bypass', committer: Committer, blocked: BlockedFile[]): Promise<string | null> {
  try {
    await recordGuardEvent(store, kind, committer, blocked);
    return null;
  } catch (error) {
    if (!isEnvironmentError(error)) throw error;
    return `the ${kind === 'bypass' ? 'bypass' : 'refusal'} could NOT be logged: ${describeStoreError(error)}`;
  }
}

/** The guard could not decide: refuse (the default), or let the commit through with a warning. */
function cannotCheck(problem: string, bypass: boolean, onError: 'refuse' | 'warn', fix: string | null): number {
  if (bypass) {
    writeErr(`agent-lease guard: ${problem}; AGENT_LEASE_BYPASS=1, so the commit goes through unchecked (and the bypass could not be logged)`);
    return EXIT.ok;
  }
  if (onError === 'warn') {
    writeErr(`agent-lease guard: warning: ${problem}; the commit was not checked (guard.onStoreError is "warn")`);
    return EXIT.ok;
  }
  const next = isAgentEnvironment()
    ? 'Tell the user the commit could not be checked, and why; do not try to get around it.'
    : `${fix === null ? '' : `${fix}\n  `}To commit anyway: AGENT_LEASE_BYPASS=1 git commit ...`;
  writeErr(`agent-lease guard: commit refused: ${problem}.\n  ${next}`);
  return EXIT.usage;
}

/** Errors opening or reading the store (SQLite, the file system, a schema too new), not bugs. */
function isStoreError(error: unknown): boolean {
  return error instanceof AgentLeaseError || isEnvironmentError(error);
}
