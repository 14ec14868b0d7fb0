// Paths and globs as the model names them (relative to the worktree root, or absolute) as lease
// targets: a path, or a pattern naming an existing file, is that exact file (resolved as the hooks
// resolve an edit's file); anything else with glob characters is a glob.
import { isAbsolute, join, relative } from 'node:path';
import { isGlob, type LeaseTarget } from '../lib/core/globs';
import { normalizePattern } from '../lib/core/patterns';
import { repoRelativePath } from '../lib/git/paths';
import { AgentLeaseError } from '../lib/util/errors';
import { existsEntry } from '../lib/util/files';
import type { Workspace } from './workspace';

export function leaseTarget(workspace: Workspace, argument: string): LeaseTarget {
  const root = workspace.repo.worktreeRoot;
  const located = repoRelativePath(argument, workspace.repo.commonDir, root);
  if (located.kind === 'inside' && (!isGlob(argument) || existsEntry(join(located.repo.worktreeRoot, located.path)))) {
    return { pattern: normalizePattern(located.path), glob: false };
  }
  if (!isGlob(argument)) throw new AgentLeaseError(`${argument} is not in this repository (${located.kind === 'outside' ? located.reason : 'unknown'})`);
  const pattern = normalizePattern(isAbsolute(argument) ? relative(root, argument) : argument);
  if (pattern === '..' || pattern.startsWith('../')) throw new AgentLeaseError(`${argument} is outside the worktree ${root}`);
  return { pattern, glob: true };
}

/** Exact paths only (who, ask): a glob is refused. */
export function leasePath(workspace: Workspace, argument: string): string {
  const target = leaseTarget(workspace, argument);
  if (target.glob) throw new AgentLeaseError(`${argument} is a glob: name one file`);
  return target.pattern;
}
