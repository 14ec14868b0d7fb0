// Path and pattern arguments are relative to the current directory, as in git; leases are on
// paths relative to the worktree root. These turn one into the other.
import { realpathSync } from 'node:fs';
import { isAbsolute, posix, relative, sep } from 'node:path';
import { AgentLeaseError } from '../lib/errors';
import { normalizePattern } from '../lib/leases';
import { repoRelativePath } from '../lib/paths';
import type { CommandContext } from './context';
import { writeErr } from './output';

/** A pattern (path or glob) argument as a repository-relative pattern. */
export function repoPattern(argument: string, context: CommandContext): string {
  const root = context.repo.worktreeRoot;
  const joined = isAbsolute(argument) ? toPosix(relative(root, argument)) : posix.join(toPosix(relative(root, realpathSync(context.cwd))), argument);
  if (joined === '..' || joined.startsWith('../')) throw new AgentLeaseError(`${argument} is outside the worktree ${root}`);
  return normalizePattern(joined);
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/** File arguments as repository-relative paths; those outside the repository are named on stderr and left out. */
export function repoPathArguments(files: string[], context: CommandContext, command: string): string[] {
  const paths: string[] = [];
  for (const file of files) {
    const located = repoRelativePath(file, context.repo.commonDir, context.cwd);
    if (located.kind === 'inside') paths.push(located.path);
    else writeErr(`agent-lease ${command}: ${located.reason}; never leased`);
  }
  return paths;
}
