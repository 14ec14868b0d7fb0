// Absolute file paths to the repository-relative POSIX paths leases are taken on.
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { locateRepo, type RepoLocation } from './repo';

/**
 * Where `claude -w NAME` and `isolation: "worktree"` subagents make their worktrees, inside the
 * main worktree. A file in one of them belongs to that worktree (found first, being nearer); the
 * directory itself is never a path of the main worktree.
 */
export const CLAUDE_WORKTREES = '.claude/worktrees';

export type RelativePath = { kind: 'inside'; path: string; repo: RepoLocation } | { kind: 'outside'; reason: string };

/** Where a file path lies on disk: its existing part resolved, and the worktree that contains it (locateFile). */
export type FileLocation = { kind: 'found'; absolute: string; full: string; repo: RepoLocation } | { kind: 'outside'; reason: string };

/**
 * Where `file` (absolute, or relative to `cwd`) lies in the repository whose common dir is
 * `commonDir`: relative to the worktree that contains it, with symlinks of its existing part
 * resolved. Paths in another repository, in `.git`, or escaping through `..` are outside.
 */
export function repoRelativePath(file: string, commonDir: string, cwd = process.cwd()): RelativePath {
  return pathIn(locateFile(file, cwd), commonDir);
}

/** The repository whose worktree contains `file` (absolute, or relative to `cwd`), symlinks resolved; null when none does. */
export function repoOfPath(file: string, cwd = process.cwd()): RepoLocation | null {
  const location = locateFile(file, cwd);
  return location.kind === 'found' ? location.repo : null;
}

/** `file` (absolute, or relative to `cwd`) found on disk, for `pathIn` and `repoOfPath` to share one look. */
export function locateFile(file: string, cwd = process.cwd()): FileLocation {
  if (file.includes('\0')) return { kind: 'outside', reason: 'the path contains a NUL byte' };
  const absolute = isAbsolute(file) ? file : resolve(cwd, file);
  const real = resolveExistingPart(absolute);
  if (real === null) return { kind: 'outside', reason: `no existing directory above ${absolute}` };
  const repo = locateRepo(real.existing, { realPath: true });
  if (repo === null) return { kind: 'outside', reason: `${absolute} is not inside a git worktree` };
  return { kind: 'found', absolute, full: real.full, repo };
}

/** `repoRelativePath` of a file already located. */
export function pathIn(location: FileLocation, commonDir: string): RelativePath {
  if (location.kind === 'outside') return location;
  const { absolute, repo } = location;
  if (repo.commonDir !== commonDir) return { kind: 'outside', reason: `${absolute} belongs to another repository` };
  const rel = relative(repo.worktreeRoot, location.full);
  if (rel === '') return { kind: 'outside', reason: `${absolute} is the worktree root itself` };
  if (rel.startsWith('..') || isAbsolute(rel)) return { kind: 'outside', reason: `${absolute} escapes the worktree` };
  const posix = rel.split(sep).join('/');
  if (posix === '.git' || posix.startsWith('.git/')) return { kind: 'outside', reason: `${absolute} is inside .git` };
  if (posix === CLAUDE_WORKTREES || posix.startsWith(`${CLAUDE_WORKTREES}/`))
    return { kind: 'outside', reason: `${absolute} is where Claude Code keeps its worktrees` };
  return { kind: 'inside', path: posix, repo };
}

/** The path with its longest existing ancestor replaced by its real path, and the nearest existing directory. */
function resolveExistingPart(absolute: string): { existing: string; full: string } | null {
  const missing: string[] = [];
  let current = resolve(absolute);
  for (;;) {
    try {
      // A new file's path does not exist: stat says so without the cost of an exception.
      const stat = statSync(current, { throwIfNoEntry: false });
      if (stat !== undefined) {
        const real = realpathSync.native(current);
        return { existing: stat.isDirectory() ? real : dirname(real), full: resolve(real, ...missing) };
      }
    } catch {
      // Unreadable, or gone meanwhile: looked for higher up, as a missing path.
    }
    const parent = dirname(current);
    if (parent === current) return null;
    missing.unshift(basename(current));
    current = parent;
  }
}
