import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { isDirectory, isExecutable, readJson } from '../util/files';
import { readPathConfig, type ConfigValue } from '../git/config';
import { requireRepo, type RepoLocation } from '../git/repo';

export type GuardMethod = 'husky' | 'hooks-dir';

export interface HookLayout {
  repo: RepoLocation;
  hooksPath: ConfigValue | null;
  /** Where git looks for this worktree's hooks. */
  hooksDir: string;
  /** husky's script directory when the repository uses husky, whether or not husky ran here. */
  huskyDir: string | null;
}

export function hookLayout(worktreeRoot: string): HookLayout {
  const repo = requireRepo(worktreeRoot);
  const hooksPath = readPathConfig(repo, 'core.hooksPath');
  const hooksDir = hooksPath === null ? join(repo.commonDir, 'hooks') : resolve(repo.worktreeRoot, hooksPath.value);
  let huskyDir: string | null = null;
  if (hooksPath !== null && basename(hooksDir) === '_') huskyDir = dirname(hooksDir);
  else if (!isRepositoryScope(hooksPath) && usesHusky(repo.worktreeRoot)) huskyDir = join(repo.worktreeRoot, '.husky');
  return { repo, hooksPath, hooksDir, huskyDir };
}

/** Whether `core.hooksPath` points at husky's generated directory. */
export function huskyConfigured(layout: HookLayout): boolean {
  return layout.hooksPath !== null && layout.huskyDir !== null && layout.hooksDir === join(layout.huskyDir, '_');
}

/** Whether git would run husky's scripts in this worktree. */
export function huskyRunsHere(layout: HookLayout): boolean {
  return huskyConfigured(layout) && existsSync(join(layout.hooksDir, 'h')) && isExecutable(join(layout.hooksDir, 'pre-commit'));
}

function usesHusky(worktreeRoot: string): boolean {
  if (isDirectory(join(worktreeRoot, '.husky'))) return true;
  const manifest = readJson(join(worktreeRoot, 'package.json')) as { dependencies?: object; devDependencies?: object } | null;
  return Boolean(manifest && (Object.hasOwn(manifest.devDependencies ?? {}, 'husky') || Object.hasOwn(manifest.dependencies ?? {}, 'husky')));
}

export function isRepositoryScope(hooksPath: ConfigValue | null): boolean {
  return hooksPath !== null && (hooksPath.scope === 'local' || hooksPath.scope === 'worktree');
}

export function show(layout: HookLayout, path: string): string {
  return isInside(layout.repo.worktreeRoot, path) ? relative(layout.repo.worktreeRoot, path) : path;
}

/** Whether `path` is among the worktree's own files (not in the git directory inside it). */
export function isInWorkingTree(layout: HookLayout, path: string): boolean {
  return isInside(layout.repo.worktreeRoot, path) && !isInside(layout.repo.commonDir, path) && !isInside(layout.repo.gitDir, path);
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
