// Leases about to end (a turn's end, a session's end, a release) whose file's change is committed
// on the session's branch and not integrated pass to that branch instead: this is the moment a
// merge conflict becomes possible, so the lease must outlive it. Git runs here, before the one
// transaction that passes them.
import { existsSync } from 'node:fs';
import { passToBranch, type NewHold } from '../core/branch-holds';
import { getSession } from '../core/sessions';
import type { Lease } from '../core/lease-types';
import type { Store } from '../core/store';
import type { Config } from '../config/load';
import { describeError } from '../util/errors';
import { dataWord } from '../util/text';
import { refName } from '../git/integration';
import { changeHome, holdGit, holdsOfLease, homeCommit, unintegrated } from './git-facts';

export interface EndingOutcome {
  /** The holds made (or renewed). */
  held: NewHold[];
  /** What the user should know: a detached HEAD that leaves committed files unheld, git that could not answer. */
  notes: string[];
  /** The integration branch they wait for, for messages. */
  integration: string | null;
}

export interface EndingOptions {
  /** Check each candidate against the integration branch (a squash merge leaves the fork behind); off under a short budget. */
  verify: boolean;
  /** The worktree of leases that record none. */
  sessionWorktree: string;
  /** A worktree that exists, where git is asked about a removed worktree's branch (default: `sessionWorktree`). */
  gitFrom?: string;
  /** Who passes them (null: the session itself). */
  actor?: string | null;
}

/**
 * Passes those of `leases` (edits' files and claims, exact or glob) whose change is committed and
 * not integrated to their branch: a glob claim becomes a hold on each file under it the branch changed.
 */
export async function passEndingLeases(store: Store, config: Config, leases: Lease[], options: EndingOptions): Promise<EndingOutcome> {
  const outcome: EndingOutcome = { held: [], notes: [], integration: null };
  if (config.branchHolds.mode === 'off') return outcome;
  const byHome = new Map<string, { worktree: string; sessionBranch: string | null; leases: Lease[] }>();
  for (const lease of leases) {
    if (lease.source !== 'edit' && lease.source !== 'claim') continue;
    const worktree = lease.worktree ?? options.sessionWorktree;
    // A removed worktree's branch is the one its session recorded: sessions there may differ.
    const sessionBranch = existsSync(worktree) ? null : ((await getSession(store, lease.sessionId))?.branch ?? null);
    const key = `${worktree}\0${sessionBranch ?? ''}`;
    const group = byHome.get(key) ?? { worktree, sessionBranch, leases: [] };
    group.leases.push(lease);
    byHome.set(key, group);
  }
  for (const { worktree, sessionBranch, leases: mine } of byHome.values()) {
    try {
      passHome(worktree, sessionBranch, mine, config, options, outcome);
    } catch (error) {
      outcome.notes.push(`agent-lease: could not tell which committed files in ${worktree} are not merged yet (${describeError(error)}); no branch holds them`);
    }
  }
  if (outcome.held.length > 0) await store.write(() => passToBranch(store, outcome.held, config.branchHolds.ttlMs, options.actor ?? null));
  return outcome;
}

function passHome(worktree: string, sessionBranch: string | null, leases: Lease[], config: Config, options: EndingOptions, outcome: EndingOutcome): void {
  const home = changeHome(worktree, sessionBranch, options.gitFrom ?? options.sessionWorktree);
  if (home === null) return;
  const into = holdGit(home.gitFrom, config).integration();
  if (into === null) return;
  outcome.integration = refName(into);
  const paths = unintegrated(
    home.gitFrom,
    home.branch,
    into,
    leases.map((lease) => ({ pattern: lease.pattern, glob: lease.glob })),
    { verify: options.verify && !home.detached },
  );
  if (paths.length === 0) return;
  if (home.detached) {
    outcome.notes.push(
      `agent-lease: HEAD is detached in ${worktree}: no branch holds the committed, unmerged change to ${paths.map((path) => dataWord(path)).join(', ')}, so others may edit it; ` +
        'commit on a branch (git switch -c NAME) to keep it held until merged',
    );
    return;
  }
  // Recorded even when time is short: a clone elsewhere can judge the hold only by its commit.
  const commit = homeCommit(home);
  for (const lease of leases) outcome.held.push(...holdsOfLease(lease, paths, home, commit));
}
