// The git facts branch holds are judged by, from where one worktree stands: whether a hold's change
// is in the integration branch (or its branch is gone), whether the asker's branch already has it,
// and which of a session's committed files are not integrated yet. Git runs only when asked, which
// is only when a hold (or a stale lease that may become one) is in question.
import type { HoldFact, HoldQuestion, NewHold } from '../core/branch-holds';
import type { StaleQuestion } from '../core/acquire';
import type { Config } from '../config/load';
import { changedSinceFork, changeIn, changeInEach, lookUpRefs } from '../git/integration';
import { currentBranch, locateRepo } from '../git/repo';
import { git } from '../git/run';

export interface HoldGit {
  /** The integration ref (resolved once, when first needed); null when the repository has none. */
  integration(): string | null;
  /** A hold in the way, seen from this worktree's HEAD. */
  holdFact(hold: HoldQuestion): HoldFact;
  /** The hold a stale lease's committed, unintegrated change becomes, if any. */
  committedChange(lease: StaleQuestion): NewHold | null;
}

export function holdGit(worktree: string, config: Config): HoldGit {
  let integration: string | null | undefined;
  // Commits looked up so far, by full ref name: the integration ref and the holds' branches.
  const ids = new Map<string, string>();
  const lookUp = (also: string[]): void => {
    const found = lookUpRefs(worktree, config.integrationBranch, also);
    if (integration === undefined) integration = found.integration;
    for (const [ref, id] of found.ids) ids.set(ref, id);
  };
  const facts: HoldGit = {
    integration() {
      if (integration === undefined) lookUp([]);
      return integration!;
    },
    holdFact(hold) {
      // The first hold asked about shares its branch's lookup with the integration ref's.
      const ref = `refs/heads/${hold.branch}`;
      if (!ids.has(ref)) lookUp([ref]);
      const into = integration!;
      const found = changeInEach(worktree, hold.branch, into === null ? ['HEAD'] : [into, 'HEAD'], [hold.path], ids);
      if (found === null) return 'deleted';
      if (into !== null && found[0]!.has(hold.path)) return 'integrated';
      return found.at(-1)!.has(hold.path) ? 'contained' : 'stands';
    },
    committedChange(lease) {
      if (lease.worktree === null) return null;
      const into = facts.integration();
      if (into === null) return null;
      const where = branchOf(lease.worktree);
      if (where === null || where.detached) return null;
      const [path] = unintegrated(lease.worktree, where.branch, into, [lease.pattern], { verify: true });
      if (path === undefined) return null;
      return { token: lease.token, path, branch: where.branch, commit: headCommit(lease.worktree), sessionId: lease.sessionId, worktree: lease.worktree };
    },
  };
  return facts;
}

/** The branch checked out in `worktree` (a detached HEAD says so), or null when it is no worktree now. */
export function branchOf(worktree: string): { branch: string; detached: boolean } | null {
  let gitDir: string;
  try {
    const repo = locateRepo(worktree);
    if (repo === null) return null;
    gitDir = repo.gitDir;
  } catch {
    return null;
  }
  const branch = currentBranch(gitDir);
  if (branch === null) return null;
  return { branch, detached: branch.startsWith('detached@') };
}

/**
 * Of `paths`, those `head` changed since it forked from `into` (one git call) and, with `verify`,
 * whose change git does not show integrated already (a squash merge leaves the fork point behind).
 */
export function unintegrated(worktree: string, head: string, into: string, paths: string[], options: { verify: boolean }): string[] {
  const changed = changedSinceFork(worktree, into, head.startsWith('detached@') ? 'HEAD' : `refs/heads/${head}`);
  const candidates = paths.filter((path) => changed.has(path));
  if (!options.verify || candidates.length === 0 || head.startsWith('detached@')) return candidates;
  const integrated = changeIn(worktree, head, into, candidates) ?? new Set();
  return candidates.filter((path) => !integrated.has(path));
}

export function headCommit(worktree: string): string | null {
  try {
    return git(worktree, ['rev-parse', '--verify', '-q', 'HEAD']);
  } catch {
    return null;
  }
}
