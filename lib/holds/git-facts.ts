// The git facts branch holds are judged by, from where one worktree stands: whether a hold's change
// is in the integration branch (or its branch is gone), whether the asker's branch already has it,
// and which of a session's committed files are not integrated yet. Git runs only when asked, which
// is only when a hold (or a stale lease that may become one) is in question.
import type { HoldFact, HoldQuestion, NewHold } from '../core/branch-holds';
import { existsSync } from 'node:fs';
import type { StaleQuestion } from '../core/acquire';
import { covers, type LeaseTarget } from '../core/globs';
import type { Config } from '../config/load';
import { changedSinceFork, changeIn, changeInEach, lookUpRefs } from '../git/integration';
import { currentBranch, locateRepo } from '../git/repo';
import { git } from '../git/run';

export interface HoldGit {
  /** The integration ref (resolved once, when first needed); null when the repository has none. */
  integration(): string | null;
  /** Where this clone judges a hold's change from (see `holdSource`), its branch looked up once. */
  source(hold: Pick<HoldQuestion, 'branch' | 'commit'>): HoldSource;
  /** A hold in the way, seen from this worktree's HEAD. */
  holdFact(hold: HoldQuestion): HoldFact;
  /** The holds a stale lease's committed, unintegrated change becomes (none: empty). */
  committedChange(lease: StaleQuestion): NewHold[];
}

export function holdGit(worktree: string, config: Config): HoldGit {
  let integration: string | null | undefined;
  // Commits looked up so far, by full ref name: the integration ref and the holds' branches
  // (a branch looked up and not found stays in `asked` only).
  const ids = new Map<string, string>();
  const asked = new Set<string>();
  const lookUp = (also: string[]): void => {
    const found = lookUpRefs(worktree, config.integrationBranch, also);
    if (integration === undefined) integration = found.integration;
    for (const [ref, id] of found.ids) ids.set(ref, id);
    for (const ref of also) asked.add(ref);
  };
  const facts: HoldGit = {
    integration() {
      if (integration === undefined) lookUp([]);
      return integration!;
    },
    source(hold) {
      // The first hold asked about shares its branch's lookup with the integration ref's.
      const ref = `refs/heads/${hold.branch}`;
      if (!asked.has(ref)) lookUp([ref]);
      return holdSource(worktree, hold, ids.get(ref));
    },
    holdFact(hold) {
      const source = facts.source(hold);
      if (source === 'unknown') return 'stands';
      if (source === 'deleted') return 'deleted';
      const into = integration!;
      const found = changeInEach(worktree, source.rev, into === null ? ['HEAD'] : [into, 'HEAD'], [hold.path], ids);
      if (found === null) return 'deleted';
      if (into !== null && found[0]!.has(hold.path)) return 'integrated';
      return found.at(-1)!.has(hold.path) ? 'contained' : 'stands';
    },
    committedChange(lease) {
      if (lease.worktree === null) return [];
      const into = facts.integration();
      if (into === null) return [];
      const home = changeHome(lease.worktree, lease.branch, worktree);
      if (home === null || home.detached) return [];
      const paths = unintegrated(home.gitFrom, home.branch, into, [lease], { verify: true });
      return paths.length === 0 ? [] : holdsOfLease(lease, paths, home, homeCommit(home));
    },
  };
  return facts;
}

export type HoldSource = { rev: string } | 'unknown' | 'deleted';

/**
 * Where this clone judges a hold's change from: `unknown` when it lacks the hold's commit (the
 * hold was made in another clone, and what is not here cannot be judged: it stands until its
 * TTL); the hold's branch when that branch here has the commit (or the hold recorded none, or the
 * commit is left behind by a rebase of the branch); else the commit itself, while a ref here
 * still reaches it (another clone's branch, fetched); `deleted` when nothing does. `branchTip`: the
 * branch's commit here when already looked up (the usual case, a hold still at its branch's tip,
 * then needs no git).
 */
function holdSource(worktree: string, hold: Pick<HoldQuestion, 'branch' | 'commit'>, branchTip?: string): HoldSource {
  const branch = { rev: `refs/heads/${hold.branch}` };
  if (hold.commit === null) return branchTip !== undefined || revExists(worktree, branch.rev) ? branch : 'deleted';
  if (hold.commit === branchTip) return branch;
  if (gitSays(worktree, ['merge-base', '--is-ancestor', hold.commit, branch.rev])) return branch;
  if (!revExists(worktree, hold.commit)) return 'unknown';
  if (tryGit(worktree, ['for-each-ref', '--count=1', '--format=x', '--contains', hold.commit]) !== '') return { rev: hold.commit };
  return revExists(worktree, branch.rev) ? branch : 'deleted';
}

function revExists(worktree: string, rev: string): boolean {
  return gitSays(worktree, ['rev-parse', '--verify', '-q', `${rev}^{commit}`]);
}

/** Whether git exits 0. */
function gitSays(worktree: string, args: string[]): boolean {
  return tryGit(worktree, args) !== null;
}

function tryGit(worktree: string, args: string[]): string | null {
  try {
    return git(worktree, args);
  } catch {
    return null;
  }
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

/** Where a lease's committed change is: its branch, the worktree git is asked from, and the worktree it lives in (null: removed). */
export interface ChangeHome {
  branch: string;
  detached: boolean;
  gitFrom: string;
  worktree: string | null;
}

/**
 * The branch checked out in `worktree`; for a worktree that is gone (`git worktree remove`,
 * `claude -w`'s "Remove worktree"), the branch its session recorded, with git asked from `from` (a
 * worktree of the same repository that still exists): the branch outlives the directory. Null when
 * neither is known.
 */
export function changeHome(worktree: string, sessionBranch: string | null, from: string): ChangeHome | null {
  const here = branchOf(worktree);
  if (here !== null) return { ...here, gitFrom: worktree, worktree };
  if (existsSync(worktree) || sessionBranch === null || sessionBranch.startsWith('detached@') || branchOf(from) === null) return null;
  return { branch: sessionBranch, detached: false, gitFrom: from, worktree: null };
}

/** The commit the change's branch is at: the worktree's HEAD, or the branch's tip once the worktree is gone. */
export function homeCommit(home: ChangeHome): string | null {
  try {
    return git(home.gitFrom, ['rev-parse', '--verify', '-q', home.worktree === null ? `refs/heads/${home.branch}^{commit}` : 'HEAD']);
  } catch {
    return null;
  }
}

/**
 * The paths `head` changed since it forked from `into` (one git call) that one of `targets` covers
 * (an edit's file, or the files under a claimed glob) and, with `verify`, whose change git does
 * not show integrated already (a squash merge leaves the fork point behind).
 */
export function unintegrated(worktree: string, head: string, into: string, targets: LeaseTarget[], options: { verify: boolean }): string[] {
  const changed = changedSinceFork(worktree, into, head.startsWith('detached@') ? 'HEAD' : `refs/heads/${head}`);
  const candidates = [...changed].filter((path) => targets.some((target) => covers(target, path)));
  if (!options.verify || candidates.length === 0 || head.startsWith('detached@')) return candidates;
  const integrated = changeIn(worktree, `refs/heads/${head}`, into, candidates) ?? new Set();
  return candidates.filter((path) => !integrated.has(path));
}

/** The hold each of `paths` a lease covers makes: an exact lease's token becomes its file's hold; a glob's files get tokens of their own. */
export function holdsOfLease(lease: LeaseTarget & { token: number; sessionId: string }, paths: string[], home: ChangeHome, commit: string | null): NewHold[] {
  return paths
    .filter((path) => covers(lease, path))
    .map((path) => ({ token: lease.token, fresh: lease.glob, path, branch: home.branch, commit, sessionId: lease.sessionId, worktree: home.worktree }));
}
