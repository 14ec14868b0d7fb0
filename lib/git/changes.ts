// What a worktree changes: the files it has uncommitted changes to, and the files the commit being
// made changes. Both are read from git's NUL-separated output, as repository-relative paths.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentLeaseError, describeError } from '../util/errors';
import { git } from './run';

/** The files a worktree has uncommitted changes to (modified, staged, deleted or untracked): the files its session is still working on. */
export function pendingChanges(worktreeRoot: string): Set<string> {
  // --no-optional-locks: never take index.lock, which would make a concurrent `git commit` fail.
  const out = git(worktreeRoot, ['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames']);
  const paths = new Set<string>();
  for (const entry of out.split('\0')) {
    // "XY path": two status letters, a space, the path relative to the worktree root. A path
    // ending in "/" is a repository or worktree nested inside this one (`claude -w` makes its
    // worktrees under .claude/worktrees/): git does not look into it, and it is no file of this one.
    if (entry.length > 3 && !entry.endsWith('/')) paths.add(entry.slice(3));
  }
  return paths;
}

/**
 * Whether the lease's worktree has an uncommitted change to its pattern (a path, or a glob in git's own
 * `:(glob)` syntax): asked only about an expired lease whose holder is still alive.
 */
export function hasPendingChange(lease: { pattern: string; glob: boolean; worktree: string | null }): boolean {
  if (lease.worktree === null) return false;
  const spec = `:(${lease.glob ? 'glob' : 'literal'})${lease.pattern}`;
  const out = git(lease.worktree, ['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', spec]);
  return out.length > 0;
}

/**
 * The repository-relative paths the commit being made changes: additions, modifications and
 * deletions, and both sides of a rename (rename detection is off, so a rename is its deletion and
 * its addition). Judged against the index git points the hook at (`GIT_INDEX_FILE`, inherited),
 * which is what `commit -a` and `commit <paths>` really commit.
 *
 * Concluding a merge, a path counts only where the result differs from every side: a file taken as
 * it is from the merged branch is that branch's work, not an edit.
 */
export function stagedPaths(cwd: string, gitDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const changed = changedPaths(cwd, env, null);
  const merged = mergeHeads(cwd, gitDir, env);
  if (merged.length === 0) return changed;
  const againstEachSide = merged.map((head) => new Set(changedPaths(cwd, env, head)));
  return changed.filter((path) => againstEachSide.every((paths) => paths.has(path)));
}

/** Paths whose staged content differs from `against`; null: from HEAD, or from nothing before the first commit. */
function changedPaths(cwd: string, env: NodeJS.ProcessEnv, against: string | null): string[] {
  let out: string;
  try {
    const rev = against === null ? [] : [against];
    out = git(cwd, ['diff', '--cached', '--name-status', '-z', '--no-renames', '--no-color', '--no-ext-diff', ...rev, '--'], { env });
  } catch (error) {
    const said = String((error as { stderr?: unknown }).stderr ?? '')
      .trim()
      .split('\n')[0];
    throw new AgentLeaseError(`cannot list the files being committed (git diff --cached: ${said || describeError(error)})`);
  }
  const fields = out.split('\0');
  const paths = new Set<string>();
  // -z output: status, NUL, path, NUL, for every entry.
  for (let i = 0; i + 1 < fields.length; i += 2) paths.add(fields[i + 1]!);
  return [...paths];
}

/**
 * The commits being merged: `MERGE_HEAD` when `git commit` concludes a merge. In `git merge`'s own
 * pre-merge-commit hook MERGE_HEAD is not written yet; git has put the merged names into
 * GIT_REFLOG_ACTION ("merge <name>..."; `git pull` keeps its own "pull ...", and what it merges is
 * FETCH_HEAD's lines not marked not-for-merge). Names that do not resolve give no sides, so that
 * every changed path counts: never fewer checks than for a plain commit.
 */
function mergeHeads(cwd: string, gitDir: string, env: NodeJS.ProcessEnv): string[] {
  const recorded = commitLines(join(gitDir, 'MERGE_HEAD'));
  if (recorded.length > 0) return recorded;
  const action = env.GIT_REFLOG_ACTION ?? '';
  if (action.startsWith('pull')) {
    return commitLines(join(gitDir, 'FETCH_HEAD'), (line) => !line.includes('\tnot-for-merge\t'));
  }
  const names = action.startsWith('merge ') ? action.slice('merge '.length).split(' ').filter(Boolean) : [];
  if (names.length === 0) return [];
  try {
    return git(cwd, ['rev-parse', ...names.map((name) => `${name}^{commit}`)], { env })
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * The commits whose changes the commit being made brings in: those being merged, the one being
 * cherry-picked (CHERRY_PICK_HEAD), and those a `git merge --squash` staged (listed in SQUASH_MSG).
 */
export function incomingCommits(cwd: string, gitDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return [...mergeHeads(cwd, gitDir, env), ...commitLines(join(gitDir, 'CHERRY_PICK_HEAD')), ...squashedCommits(gitDir)];
}

/** The commits SQUASH_MSG lists ("commit <id>" lines, as `git merge --squash` writes them). */
function squashedCommits(gitDir: string): string[] {
  try {
    return (readFileSync(join(gitDir, 'SQUASH_MSG'), 'utf8').match(/^commit [0-9a-f]{40,64}$/gm) ?? []).map((line) => line.slice('commit '.length));
  } catch {
    return [];
  }
}

/** The commit ids at the start of the file's lines (those `keep` accepts); none when it is missing. */
function commitLines(file: string, keep: (line: string) => boolean = () => true): string[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(keep)
      .map((line) => line.split('\t')[0]!)
      .filter((id) => /^[0-9a-f]{40,64}$/.test(id));
  } catch {
    return [];
  }
}
