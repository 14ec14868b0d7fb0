// Running husky's own setup in a worktree (the worktree hole), and taking back a setup agent-lease
// ran itself.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { AgentLeaseError, describeError } from '../util/errors';
import { readJson } from '../util/files';
import type { RepoLocation } from '../git/repo';
import type { HookLayout } from './layout';

/** Where installGuard notes that it ran husky's setup itself (in a clone where it had never run). */
export function huskySetupMarker(repo: RepoLocation): string {
  return join(repo.commonDir, 'agent-lease', 'husky-set-up-by-init.json');
}

/** Takes back the husky setup installGuard ran: its generated `_` directory and `core.hooksPath`. */
export function undoHuskySetup(repo: RepoLocation): string[] {
  const marker = huskySetupMarker(repo);
  let generated: string;
  try {
    generated = (JSON.parse(readFileSync(marker, 'utf8')) as { generated: string }).generated;
  } catch {
    return [];
  }
  rmSync(generated, { recursive: true, force: true });
  try {
    rmdirSync(dirname(generated));
  } catch {
    // Not empty: the user's own husky scripts stay.
  }
  spawnSync('git', ['config', '--local', '--unset', 'core.hooksPath'], { cwd: repo.worktreeRoot, stdio: 'ignore' });
  unlinkSync(marker);
  return [generated, 'core.hooksPath'];
}

/** Runs husky's own setup in the worktree: `core.hooksPath` and its generated `_` directory. */
export function runHuskySetup(layout: HookLayout): string[] {
  const root = layout.repo.worktreeRoot;
  const huskyDir = layout.huskyDir!;
  const relativeDir = relative(root, huskyDir);
  if (relativeDir === '' || relativeDir.startsWith('..') || isAbsolute(relativeDir)) {
    throw new AgentLeaseError(`husky's directory ${huskyDir} is outside the worktree ${root}; run husky there yourself`);
  }
  const bin = huskyBin(layout.repo);
  if (bin === null) {
    throw new AgentLeaseError(`husky is installed neither in ${root} nor in the main worktree, so ${relativeDir}/_ cannot be made: run npm install`);
  }
  const result = spawnSync(process.execPath, [bin, relativeDir], { cwd: root, encoding: 'utf8', timeout: 20_000 });
  const said = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  // husky reports failure on stdout and exits 0 ("HUSKY=0 skip install", ".git can't be found").
  if (result.error !== undefined || result.status !== 0 || said !== '') {
    throw new AgentLeaseError(`husky could not set up ${relativeDir}/_ in ${root}: ${said || describeError(result.error ?? `exit ${result.status}`)}`);
  }
  return [join(huskyDir, '_')];
}

/** husky's command-line entry, from this worktree's node_modules or the main worktree's. */
function huskyBin(repo: RepoLocation): string | null {
  const roots = [repo.worktreeRoot];
  if (basename(repo.commonDir) === '.git') roots.push(dirname(repo.commonDir));
  for (const root of roots) {
    const packageDir = join(root, 'node_modules', 'husky');
    const manifest = readJson(join(packageDir, 'package.json')) as { bin?: string | Record<string, string> } | null;
    const bin = typeof manifest?.bin === 'string' ? manifest.bin : manifest?.bin?.husky;
    if (bin !== undefined && existsSync(join(packageDir, bin))) return join(packageDir, bin);
  }
  return null;
}
