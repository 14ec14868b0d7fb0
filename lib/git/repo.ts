// Which repository and worktree a directory belongs to. The hot path reads git's on-disk layout
// (`.git` dir or gitfile, `commondir`, `HEAD`) instead of spawning git, which costs more than the
// whole rest of a hook; `git rev-parse` is the fallback whenever git is being steered by GIT_DIR.
import { existsSync, readdirSync, readFileSync, realpathSync, type Stats, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AgentLeaseError } from '../util/errors';
import { git } from './run';

export interface RepoLocation {
  /** The worktree's top-level directory, symlinks resolved. */
  worktreeRoot: string;
  /** This worktree's own git directory (`.git`, or `<common>/worktrees/<name>`). */
  gitDir: string;
  /** The git directory shared by every worktree of the repository. */
  commonDir: string;
}

/** The repository containing `dir` (which must exist; `realPath`: it is a real path already), or null when it is not inside a worktree. */
export function locateRepo(dir: string, options: { realPath?: boolean } = {}): RepoLocation | null {
  if (process.env.GIT_DIR !== undefined) return locateRepoWithGit(dir);
  let current = options.realPath ? dir : realpathSync.native(dir);
  for (;;) {
    const gitDir = gitDirAt(current);
    if (gitDir !== null) return { worktreeRoot: current, gitDir, commonDir: commonDirOf(gitDir) };
    const parent = dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

/** The same answer as `locateRepo`, from git itself. */
export function locateRepoWithGit(dir: string): RepoLocation | null {
  let out: string;
  try {
    out = git(dir, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--absolute-git-dir', '--git-common-dir']);
  } catch {
    return null;
  }
  const [worktreeRoot, gitDir, commonDir] = out.split('\n');
  if (!worktreeRoot || !gitDir || !commonDir) return null;
  return { worktreeRoot: realpathSync(worktreeRoot), gitDir: realpathSync(gitDir), commonDir: realpathSync(commonDir) };
}

export function requireRepo(dir: string): RepoLocation {
  const repo = locateRepo(dir);
  if (repo === null) throw new AgentLeaseError(`not inside a git worktree: ${dir}`);
  return repo;
}

/** The checked-out branch, `detached@<sha7>` for a detached HEAD, or null when HEAD is unreadable. */
export function currentBranch(gitDir: string): string | null {
  let head: string;
  try {
    head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
  } catch {
    return null;
  }
  if (head.startsWith('ref: ')) return head.slice(5).replace(/^refs\/heads\//, '');
  return /^[0-9a-f]{7,}$/.test(head) ? `detached@${head.slice(0, 7)}` : null;
}

/** Every worktree of the repository (main first), as `git worktree list` reports them. */
export function listWorktrees(dir: string): Array<{ path: string; branch: string | null; bare: boolean }> {
  const out = git(dir, ['worktree', 'list', '--porcelain', '-z']);
  const worktrees: Array<{ path: string; branch: string | null; bare: boolean }> = [];
  let entry: { path: string; branch: string | null; bare: boolean } | null = null;
  for (const field of out.split('\0')) {
    if (field.startsWith('worktree ')) {
      entry = { path: field.slice(9), branch: null, bare: false };
      worktrees.push(entry);
    } else if (entry && field.startsWith('branch ')) {
      entry.branch = field.slice(7).replace(/^refs\/heads\//, '');
    } else if (entry && field === 'bare') {
      entry.bare = true;
    }
  }
  return worktrees;
}

function gitDirAt(dir: string): string | null {
  const dotGit = join(dir, '.git');
  let stat: Stats | undefined;
  try {
    // No exception for the directories without one, walked through on every hook call.
    stat = statSync(dotGit, { throwIfNoEntry: false });
  } catch {
    return null;
  }
  if (stat === undefined) return null;
  if (stat.isDirectory()) return dotGit;
  const match = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'));
  if (!match) return null;
  return realpathSync(resolve(dir, match[1]!.trim()));
}

function commonDirOf(gitDir: string): string {
  // A main worktree's git directory has none: looked for without an exception.
  if (!existsSync(join(gitDir, 'commondir'))) return gitDir;
  try {
    const relative = readFileSync(join(gitDir, 'commondir'), 'utf8').trim();
    return realpathSync(resolve(gitDir, relative));
  } catch {
    return gitDir;
  }
}

/**
 * The top-level directories of every worktree of the repository, read from git's on-disk layout
 * (no git spawn): the main worktree when the common dir is its `.git`, then each linked worktree
 * recorded under `<common dir>/worktrees/` whose directory still exists.
 */
export function worktreeRootsOnDisk(commonDir: string): string[] {
  const roots: string[] = [];
  if (basename(commonDir) === '.git') roots.push(dirname(commonDir));
  let linked: string[];
  try {
    linked = readdirSync(join(commonDir, 'worktrees'));
  } catch {
    linked = [];
  }
  for (const name of linked.sort()) {
    try {
      const dotGit = readFileSync(join(commonDir, 'worktrees', name, 'gitdir'), 'utf8').trim();
      roots.push(realpathSync(dirname(resolve(commonDir, 'worktrees', name, dotGit))));
    } catch {
      // A worktree whose directory is gone (prunable): nothing to write there.
    }
  }
  return roots;
}
