// The files a worktree has uncommitted changes to (modified, staged, deleted or untracked), as
// repository-relative paths: the files its session is still working on.
import { git } from './repo';

export function pendingChanges(worktreeRoot: string): Set<string> {
  // --no-optional-locks: never take index.lock, which would make a concurrent `git commit` fail.
  const out = git(worktreeRoot, ['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames']);
  const paths = new Set<string>();
  for (const entry of out.split('\0')) {
    // "XY path": two status letters, a space, the path relative to the worktree root.
    if (entry.length > 3) paths.add(entry.slice(3));
  }
  return paths;
}
