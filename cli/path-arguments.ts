// Path and pattern arguments are relative to the current directory, as in git; leases are on
// paths relative to the worktree root. These turn one into the other.
import { realpathSync } from 'node:fs';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import { AgentLeaseError } from '../lib/util/errors';
import { isGlob } from '../lib/core/globs';
import { normalizePattern } from '../lib/core/patterns';
import { isDirectory } from '../lib/util/files';
import { repoRelativePath } from '../lib/git/paths';
import type { CommandContext } from './context';
import { writeErr } from './output';
import { shellWord } from '../lib/util/text';

/**
 * A pattern (path or glob) argument as a repository-relative pattern. An absolute path is taken
 * in whichever worktree of the repository contains it; an absolute glob, in this worktree.
 */
export function repoPattern(argument: string, context: CommandContext): string {
  let root = context.repo.worktreeRoot;
  let joined: string;
  if (!isAbsolute(argument)) {
    joined = posix.join(toPosix(relative(root, realpathSync(context.cwd))), argument);
  } else if (isGlob(argument)) {
    joined = toPosix(relative(root, argument));
  } else {
    const located = repoRelativePath(argument, context.repo.commonDir, context.cwd);
    if (located.kind === 'outside') throw new AgentLeaseError(`${argument} is outside the worktrees of this repository (${located.reason})`);
    joined = located.path;
    root = located.repo.worktreeRoot;
  }
  if (joined === '..' || joined.startsWith('../')) throw new AgentLeaseError(`${argument} is outside the worktree ${context.repo.worktreeRoot}`);
  const pattern = normalizePattern(joined);
  if (!isGlob(pattern)) refuseDirectory(argument, join(root, pattern), pattern);
  return pattern;
}

/** File arguments as repository-relative paths; those outside the repository are named on stderr and left out. */
export function repoPathArguments(files: string[], context: CommandContext, command: string): string[] {
  const paths: string[] = [];
  for (const file of files) {
    const located = repoRelativePath(file, context.repo.commonDir, context.cwd);
    if (located.kind === 'outside') {
      writeErr(`agent-lease ${command}: ${located.reason}; never leased`);
      continue;
    }
    refuseDirectory(file, join(located.repo.worktreeRoot, located.path), located.path);
    paths.push(located.path);
  }
  return paths;
}

/**
 * A lease is on files: one on a directory's own path would cover none of the files in it, so a
 * directory given where a file is meant is refused, with the glob that says what was meant.
 */
function refuseDirectory(argument: string, absolute: string, pattern: string): void {
  if (isDirectory(absolute)) {
    throw new AgentLeaseError(`${argument} is a directory: name the files in it, or all of them with ${shellWord(`${pattern}/**`)}`);
  }
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}
