import { linkSync, mkdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AgentLeaseError } from '../util/errors';
import { existsEntry, isExecutable, readText, writeAtomically } from '../util/files';
import { withLockFile } from '../util/lock-file';
import { CHAINED_SUFFIX, GUARDED_HOOKS, type GuardedHook, hasGuardBlock, hookScript, isGuardHook, withGuardBlock, withoutGuardBlock } from './script';
import { hookLayout, huskyRunsHere, isInWorkingTree, isRepositoryScope, show, type GuardMethod, type HookLayout } from './layout';
import { huskySetupMarker, runHuskySetup, undoHuskySetup } from './husky';

const SHELL_SCRIPT = /^#!\s*(\S*\/)?(env\s+)?(sh|bash|dash|zsh|ksh|ash)(\s|$)/;

export interface InstallResult {
  /** Files and directories created, changed or moved (absolute paths). */
  changed: string[];
  method: GuardMethod;
  description: string;
  /** The changed hook scripts among the worktree's own files: to commit, for the other worktrees. */
  toCommit: string[];
}

/** Where the processes installing or repairing the guard in one repository take turns. */
export function installLockFile(layout: HookLayout): string {
  return join(layout.repo.commonDir, 'agent-lease-install.lock');
}

/** Adds the guard to the worktree's guarded hooks; running it again changes nothing. */
export function installGuard(worktreeRoot: string, options: { dryRun?: boolean } = {}): InstallResult {
  const first = hookLayout(worktreeRoot);
  const dryRun = options.dryRun ?? false;
  const run = (layout: HookLayout): InstallResult => {
    const result = install(layout, dryRun);
    const scripts = new Set(GUARDED_HOOKS.flatMap((hook) => [join(layout.hooksDir, hook), ...(layout.huskyDir === null ? [] : [join(layout.huskyDir, hook)])]));
    return { ...result, toCommit: result.changed.filter((file) => scripts.has(file) && isInWorkingTree(layout, file)) };
  };
  return dryRun ? run(first) : withLockFile(installLockFile(first), () => run(hookLayout(worktreeRoot)));
}

function install(layout: HookLayout, dryRun: boolean): Omit<InstallResult, 'toCommit'> {
  if (layout.huskyDir !== null) {
    const huskyDir = layout.huskyDir;
    const changed = GUARDED_HOOKS.flatMap((hook) => addGuardBlock(join(huskyDir, hook), hook, dryRun));
    const description = `it runs from ${listHooks(layout, huskyDir)}, through husky's ${show(layout, join(huskyDir, '_'))}`;
    if (huskyRunsHere(layout)) return { changed, method: 'husky', description };
    if (dryRun) return { changed: [...changed, join(huskyDir, '_')], method: 'husky', description };
    try {
      changed.push(...runHuskySetup(layout));
      // husky was not set up in this clone before: uninstall takes that setup away again.
      const marker = huskySetupMarker(layout.repo);
      mkdirSync(dirname(marker), { recursive: true });
      writeFileSync(marker, `${JSON.stringify({ generated: join(huskyDir, '_') })}\n`);
    } catch (error) {
      // The guard is in place for when husky runs; saying why it does not yet beats undoing it.
      if (!(error instanceof AgentLeaseError)) throw error;
      return { changed, method: 'husky', description: `${description}, but not before husky is set up: ${error.message}` };
    }
    return { changed, method: 'husky', description };
  }
  requireRepositoryHooksDir(layout);
  const changed = GUARDED_HOOKS.flatMap((hook) => installInHooksDir(layout, hook, dryRun));
  const chained = GUARDED_HOOKS.map((hook) => `${join(layout.hooksDir, hook)}${CHAINED_SUFFIX}`).filter((file) => existsEntry(file) || changed.includes(file));
  const previous = chained.length > 0 ? `, then the hook(s) it replaced, kept as ${chained.map((file) => show(layout, file)).join(', ')}` : '';
  return { changed, method: 'hooks-dir', description: `it runs from ${listHooks(layout, layout.hooksDir)}${previous}` };
}

/** `.git/hooks/pre-commit, pre-merge-commit, ...`: the guarded hooks in `dir`, shown once. */
function listHooks(layout: HookLayout, dir: string): string {
  return `${show(layout, join(dir, GUARDED_HOOKS[0]))}, ${GUARDED_HOOKS.slice(1).join(', ')}`;
}

/** Removes exactly what `installGuard` added, and puts a replaced hook back as it was. */
export function uninstallGuard(worktreeRoot: string): { changed: string[] } {
  const first = hookLayout(worktreeRoot);
  return withLockFile(installLockFile(first), () => {
    const layout = hookLayout(worktreeRoot);
    const changed = GUARDED_HOOKS.flatMap((hook) => uninstallHook(layout, hook));
    changed.push(...undoHuskySetup(layout.repo));
    return { changed };
  });
}

function uninstallHook(layout: HookLayout, hook: GuardedHook): string[] {
  const changed: string[] = [];
  const hookFile = join(layout.hooksDir, hook);
  if (isGuardHook(readText(hookFile))) {
    const chained = `${hookFile}${CHAINED_SUFFIX}`;
    if (existsEntry(chained)) {
      renameSync(chained, hookFile);
      changed.push(hookFile, chained);
    } else {
      unlinkSync(hookFile);
      changed.push(hookFile);
    }
  }
  for (const script of new Set([hookFile, join(layout.huskyDir ?? join(layout.repo.worktreeRoot, '.husky'), hook)])) {
    const text = readText(script);
    if (text === null || !hasGuardBlock(text)) continue;
    const rest = withoutGuardBlock(text);
    if (rest === null) unlinkSync(script);
    else writeAtomically(script, rest, modeOf(script));
    changed.push(script);
  }
  return changed;
}

/** A hooks directory set in the user's or the system's config serves other repositories too. */
export function requireRepositoryHooksDir(layout: HookLayout): void {
  if (layout.hooksPath === null || isRepositoryScope(layout.hooksPath)) return;
  throw new AgentLeaseError(
    `core.hooksPath is set in your ${layout.hooksPath.scope} git config (${layout.hooksPath.value}), a hooks directory other repositories share: ` +
      `agent-lease will not install there. Add "agent-lease guard" to ${join(layout.hooksDir, 'pre-commit')} yourself, ` +
      `or give this repository its own hooks (git config core.hooksPath .git/hooks) and run agent-lease init again`,
  );
}

export function addGuardBlock(script: string, hook: GuardedHook, dryRun: boolean): string[] {
  const text = readText(script);
  const updated = withGuardBlock(text, hook);
  if (updated === text) return [];
  if (!dryRun) {
    mkdirSync(dirname(script), { recursive: true });
    writeAtomically(script, updated, text === null ? 0o755 : modeOf(script));
  }
  return [script];
}

/**
 * Our hook in the hooks directory. A hook already there is kept to run after the guard: in
 * `.git/hooks` it is linked aside (so that at every instant git finds a hook: the old one, or ours
 * chaining to it), whatever it is written in; in a hooks directory inside the worktree (tracked
 * files) the guard is appended to it instead, which needs a shell script.
 */
export function installInHooksDir(layout: HookLayout, hook: GuardedHook, dryRun: boolean): string[] {
  const hookFile = join(layout.hooksDir, hook);
  const chained = `${hookFile}${CHAINED_SUFFIX}`;
  const existing = readText(hookFile);
  const wanted = hookScript(hook);
  if (hasGuardBlock(existing) && !isGuardHook(existing)) return addGuardBlock(hookFile, hook, dryRun);
  if (isGuardHook(existing)) {
    if (existing === wanted && isExecutable(hookFile)) return [];
    if (!dryRun) writeAtomically(hookFile, wanted, 0o755);
    return [hookFile];
  }
  const changed: string[] = [];
  if (existsEntry(hookFile)) {
    if (isInWorkingTree(layout, hookFile)) {
      if (existing === null || !SHELL_SCRIPT.test(existing)) {
        throw new AgentLeaseError(
          `${show(layout, hookFile)} is tracked and not a shell script, so agent-lease cannot append to it: add "agent-lease guard" to it yourself`,
        );
      }
      return addGuardBlock(hookFile, hook, dryRun);
    }
    if (existsEntry(chained)) {
      throw new AgentLeaseError(`both ${hookFile} and ${chained} exist and neither is agent-lease's: move one of them away, then run agent-lease init again`);
    }
    if (!dryRun) linkSync(hookFile, chained);
    changed.push(chained);
  }
  if (!dryRun) {
    mkdirSync(layout.hooksDir, { recursive: true });
    writeAtomically(hookFile, wanted, 0o755);
  }
  changed.push(hookFile);
  return changed;
}

function modeOf(file: string): number {
  return statSync(file).mode & 0o7777;
}
