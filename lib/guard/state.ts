import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../util/errors';
import { isExecutable, readText } from '../util/files';
import { listWorktrees } from '../git/repo';
import { withLockFile } from '../util/lock-file';
import { COMMITS_CHECKED_BY, GUARDED_HOOKS, type GuardedHook, hasGuardBlock, isGuardHook } from './script';
import { hookLayout, huskyConfigured, huskyRunsHere, isInWorkingTree, show, type GuardMethod, type HookLayout } from './layout';
import { runHuskySetup } from './husky';
import { addGuardBlock, installInHooksDir, installLockFile, requireRepositoryHooksDir } from './install';

export interface GuardState {
  active: boolean;
  method: GuardMethod | 'none';
  problem?: string;
  fix?: string;
}

export interface WorktreeGuardState extends GuardState {
  worktree: string;
  branch: string | null;
}

export interface WorktreeRepair {
  worktree: string;
  branch: string | null;
  repaired: boolean;
  changed: string[];
  /** Why the guard is still not active after the repair. */
  problem?: string;
}

/** What a session start did to the guard: nothing, a first install, or a repair of ours. */
export type GuardEnsured = { done: 'nothing' | 'installed' | 'repaired'; problem?: string };

/**
 * Makes sure a commit in this worktree runs the guard; called at every session start. Cheap when
 * all is well (files only, no git process). Installs it where no guard of ours was (the plugin
 * route has no `init`), repairs the worktree hole and a disabled hook; never throws: what it
 * cannot do comes back as `problem`.
 */
export function ensureGuardActive(worktreeRoot: string): GuardEnsured {
  try {
    const layout = hookLayout(worktreeRoot);
    if (stateOf(layout).active) return { done: 'nothing' };
    // Sessions starting together all get here: one repairs, the others then find nothing to do.
    return withLockFile(installLockFile(layout), () => {
      const locked = hookLayout(worktreeRoot);
      const before = stateOf(locked);
      if (before.active) return { done: 'nothing' };
      const changed = repair(locked, { editTracked: false });
      const done = changed.length === 0 ? 'nothing' : before.method === 'none' ? 'installed' : 'repaired';
      const after = stateOf(hookLayout(worktreeRoot));
      return after.active ? { done } : { done, problem: sentence(after) };
    });
  } catch (error) {
    return { done: 'nothing', problem: describeError(error) };
  }
}

/** Whether a commit in this worktree would run the guard, and if not, why and what to do. */
export function guardState(worktreeRoot: string): GuardState {
  if (!existsSync(worktreeRoot)) {
    return { active: false, method: 'none', problem: `the worktree directory ${worktreeRoot} does not exist`, fix: 'git worktree prune' };
  }
  try {
    return stateOf(hookLayout(worktreeRoot));
  } catch (error) {
    return { active: false, method: 'none', problem: describeError(error) };
  }
}

/** The guard's state in every worktree of the repository containing `dir` (`git worktree list`). */
export function worktreeGuardStates(dir: string): WorktreeGuardState[] {
  return listWorktrees(dir)
    .filter((worktree) => !worktree.bare)
    .map((worktree) => ({ worktree: worktree.path, branch: worktree.branch, ...guardState(worktree.path) }));
}

/**
 * Repairs the guard in every worktree of the repository (`doctor --fix`): the worktree hole, and
 * also a branch whose husky `pre-commit` lacks the guard (an uncommitted change in that worktree).
 */
export function repairAllWorktrees(dir: string): WorktreeRepair[] {
  return worktreeGuardStates(dir).map((state) => {
    const base = { worktree: state.worktree, branch: state.branch };
    if (state.active) return { ...base, repaired: false, changed: [] };
    if (!existsSync(state.worktree)) return { ...base, repaired: false, changed: [], problem: sentence(state) };
    try {
      const layout = hookLayout(state.worktree);
      const changed = withLockFile(installLockFile(layout), () => repair(hookLayout(state.worktree), { editTracked: true }));
      const after = guardState(state.worktree);
      return { ...base, repaired: changed.length > 0, changed, ...(after.active ? {} : { problem: sentence(after) }) };
    } catch (error) {
      return { ...base, repaired: false, changed: [], problem: describeError(error) };
    }
  });
}

/** The guard's state: active when every guarded hook runs it, else the first hook that does not. */
function stateOf(layout: HookLayout): GuardState {
  let active: GuardState | null = null;
  for (const hook of GUARDED_HOOKS) {
    const state = hookState(layout, hook);
    if (!state.active) return state;
    active ??= state;
  }
  return active!;
}

function hookState(layout: HookLayout, name: GuardedHook): GuardState {
  const hookFile = join(layout.hooksDir, name);
  const hook = readText(hookFile);
  const unchecked = `${COMMITS_CHECKED_BY[name]} commits are not checked`;
  if (isGuardHook(hook) || hasGuardBlock(hook)) {
    if (isExecutable(hookFile)) return { active: true, method: 'hooks-dir' };
    return { active: false, method: 'hooks-dir', problem: `${show(layout, hookFile)} is not executable, so git skips it`, fix: 'agent-lease doctor --fix' };
  }
  if (layout.huskyDir === null) {
    const what = hook === null ? `there is no ${name} hook` : `${show(layout, hookFile)} does not run it`;
    const problem = name === 'pre-commit' ? `the commit guard is not installed: ${what}` : `${unchecked}: ${what}`;
    return { active: false, method: 'none', problem, fix: 'agent-lease init' };
  }
  const script = join(layout.huskyDir, name);
  const generated = join(layout.huskyDir, '_');
  const scriptText = readText(script);
  if (!hasGuardBlock(scriptText)) {
    const what = scriptText === null ? `there is no ${show(layout, script)}` : `${show(layout, script)} on this branch does not run the guard`;
    return {
      active: false,
      method: 'husky',
      problem: name === 'pre-commit' ? (scriptText === null ? `the guard is not installed: ${what}` : what) : `${unchecked}: ${what}`,
      fix: `agent-lease init in ${layout.repo.worktreeRoot} (or agent-lease doctor --fix), then commit ${show(layout, script)}`,
    };
  }
  if (!huskyConfigured(layout)) {
    const now = layout.hooksPath === null ? 'unset' : `${layout.hooksPath.value} (${layout.hooksPath.scope})`;
    return {
      active: false,
      method: 'husky',
      problem: `husky is not set up in this clone (core.hooksPath is ${now}), so git never runs ${show(layout, script)}`,
      fix: 'agent-lease doctor --fix (or npm install, which runs husky)',
    };
  }
  if (!huskyRunsHere(layout)) {
    return {
      active: false,
      method: 'husky',
      problem: `${show(layout, generated)} does not exist in this worktree (husky never ran here), so git runs no hook at all`,
      fix: 'agent-lease doctor --fix (runs husky in this worktree)',
    };
  }
  return { active: true, method: 'husky' };
}

function repair(layout: HookLayout, options: { editTracked: boolean }): string[] {
  const changed = GUARDED_HOOKS.flatMap((hook) => repairHook(layout, hook, options));
  if (layout.huskyDir === null) return changed;
  // Where husky is configured, its missing directory is remade even on a branch without the guard
  // (the user's own hooks come back); husky is set up from scratch only for a branch with the guard.
  const withGuard = hasGuardBlock(readText(join(layout.huskyDir, 'pre-commit')));
  if (!huskyRunsHere(layout) && (huskyConfigured(layout) || withGuard)) changed.push(...runHuskySetup(layout));
  return changed;
}

function repairHook(layout: HookLayout, name: GuardedHook, options: { editTracked: boolean }): string[] {
  const hookFile = join(layout.hooksDir, name);
  const hook = readText(hookFile);
  if (isGuardHook(hook) || hasGuardBlock(hook)) {
    if (isExecutable(hookFile)) return [];
    chmodSync(hookFile, 0o755);
    return [hookFile];
  }
  if (layout.huskyDir === null) {
    // A hooks directory inside the worktree holds tracked files: only an explicit repair edits it.
    if (!options.editTracked && isInWorkingTree(layout, layout.hooksDir)) return [];
    requireRepositoryHooksDir(layout);
    return installInHooksDir(layout, name, false);
  }
  return options.editTracked ? addGuardBlock(join(layout.huskyDir, name), name, false) : [];
}

function sentence(state: GuardState): string {
  return state.fix === undefined ? (state.problem ?? 'the commit guard is not active') : `${state.problem}; fix: ${state.fix}`;
}
