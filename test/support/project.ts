// agent-lease installed into a test repository the way `npm i -D agent-lease` does it (a package
// directory, an executable bin link), in the main worktree only: linked worktrees have no
// node_modules, so their hooks find it through the main worktree.
import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { TempRepo } from './git-repo';
import { BIN } from './hooks';

const ROOT = join(__dirname, '..', '..');

export function installAgentLease(repo: TempRepo): void {
  const modules = join(repo.root, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  symlinkSync(ROOT, join(modules, 'agent-lease'));
  symlinkSync(join('..', 'agent-lease', 'dist', 'bin', 'agent-lease.js'), join(modules, '.bin', 'agent-lease'));
  chmodSync(BIN, 0o755);
}
