// Path and pattern arguments are relative to the current directory, as in git; leases are on
// paths relative to the worktree root. These turn one into the other.
import { realpathSync } from 'node:fs';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import { AgentLeaseError } from '../lib/util/errors';
import { isGlob, type LeaseTarget } from '../lib/core/globs';
import { normalizePattern } from '../lib/core/patterns';
import { existsEntry, isDirectory } from '../lib/util/files';
import { repoRelativePath } from '../lib/git/paths';
import type { CommandContext } from './context';
import { writeErr } from './output';
import { shellWord } from '../lib/util/text';

/**
 * A pattern argument as what a lease is on. A path, or a pattern that names an existing file (a
 * Next.js route `app/[slug]/page.tsx` is a file, not a glob), is resolved exactly as the hooks
 * resolve the file an edit writes (lib/git/paths.ts: symlinked directories followed, in whichever
 * worktree contains it) and leased as that exact path; anything else with glob characters, or
 * every argument with `glob`, is a glob relative to the current directory.
 */
export function repoPattern(argument: string, context: CommandContext, options: { glob?: boolean } = {}): LeaseTarget {
  const located = repoRelativePath(argument, context.repo.commonDir, context.cwd);
  const names = located.kind === 'inside' && existsEntry(join(located.repo.worktreeRoot, located.path));
  if (!options.glob && (names || !isGlob(argument))) {
    if (located.kind === 'inside') {
      if (isDirectory(join(located.repo.worktreeRoot, located.path))) refuseDirectory(argument, located.path);
      return { pattern: normalizePattern(located.path), glob: false };
    }
    if (isAbsolute(argument)) throw new AgentLeaseError(`${argument} is outside the worktrees of this repository (${located.reason})`);
    // A relative one is told below what is wrong with it (`..`, the root itself).
  }
  const root = context.repo.worktreeRoot;
  const joined = isAbsolute(argument) ? toPosix(relative(root, argument)) : posix.join(toPosix(relative(root, realpathSync(context.cwd))), argument);
  if (joined === '..' || joined.startsWith('../')) throw new AgentLeaseError(`${argument} is outside the worktree ${root}`);
  const pattern = normalizePattern(joined);
  return { pattern, glob: isGlob(pattern) };
}

/** File arguments as repository-relative paths; those outside the repository are named on stderr and left out. */
export function repoPathArguments(files: string[], context: CommandContext, command: string): string[] {
  return repoPathOrDirectoryArguments(files, context, command).map((entry) => {
    if (entry.directory) refuseDirectory(entry.argument, entry.path);
    return entry.path;
  });
}

export interface PathArgument {
  argument: string;
  /** Repository-relative. */
  path: string;
  /** Whether it names a directory (in the worktree that holds it). */
  directory: boolean;
}

/** As repoPathArguments, with directories kept and said to be ones. */
export function repoPathOrDirectoryArguments(files: string[], context: CommandContext, command: string): PathArgument[] {
  const paths: PathArgument[] = [];
  for (const file of files) {
    const located = repoRelativePath(file, context.repo.commonDir, context.cwd);
    if (located.kind === 'outside') {
      writeErr(`agent-lease ${command}: ${located.reason}; never leased`);
      continue;
    }
    paths.push({ argument: file, path: located.path, directory: isDirectory(join(located.repo.worktreeRoot, located.path)) });
  }
  return paths;
}

/**
 * A lease is on files: one on a directory's own path would cover none of the files in it, so a
 * directory given where a file is meant is refused, with the glob that says what was meant.
 */
function refuseDirectory(argument: string, pattern: string): never {
  throw new AgentLeaseError(`${argument} is a directory: name the files in it, or all of them with ${shellWord(`${pattern}/**`)}`);
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}
