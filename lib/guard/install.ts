import { chmodSync, existsSync, mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AgentLeaseError } from '../util/errors';
import { existsEntry, isExecutable, readText } from '../util/files';
import { CHAINED_SUFFIX, hasGuardBlock, hookScript, isGuardHook, withGuardBlock, withoutGuardBlock } from './script';
import { hookLayout, huskyRunsHere, isInWorkingTree, isRepositoryScope, show, type GuardMethod, type HookLayout } from './layout';
import { huskySetupMarker, runHuskySetup, undoHuskySetup } from './husky';

const SHELL_SCRIPT = /^#!\s*(\S*\/)?(env\s+)?(sh|bash|dash|zsh|ksh|ash)(\s|$)/;

export interface InstallResult {
  /** Files and directories created, changed or moved (absolute paths). */
  changed: string[];
  method: GuardMethod;
  description: string;
}

/** Adds the guard to the worktree's pre-commit hook; running it again changes nothing. */
export function installGuard(worktreeRoot: string, options: { dryRun?: boolean } = {}): InstallResult {
  const layout = hookLayout(worktreeRoot);
  const dryRun = options.dryRun ?? false;
  if (layout.huskyDir !== null) {
    const script = join(layout.huskyDir, 'pre-commit');
    const changed = addGuardBlock(script, dryRun);
    const description = `the guard runs from ${show(layout, script)}, through husky's ${show(layout, join(layout.huskyDir, '_'))}`;
    if (huskyRunsHere(layout)) return { changed, method: 'husky', description };
    if (dryRun) return { changed: [...changed, join(layout.huskyDir, '_')], method: 'husky', description };
    try {
      changed.push(...runHuskySetup(layout));
      // husky was not set up in this clone before: uninstall takes that setup away again.
      const marker = huskySetupMarker(layout.repo);
      mkdirSync(dirname(marker), { recursive: true });
      writeFileSync(marker, `${JSON.stringify({ generated: join(layout.huskyDir, '_') })}\n`);
    } catch (error) {
      // The guard is in place for when husky runs; saying why it does not yet beats undoing it.
      if (!(error instanceof AgentLeaseError)) throw error;
      return { changed, method: 'husky', description: `${description}, but not before husky is set up: ${error.message}` };
    }
    return { changed, method: 'husky', description };
  }
  requireRepositoryHooksDir(layout);
  const changed = installInHooksDir(layout, dryRun);
  const hookFile = join(layout.hooksDir, 'pre-commit');
  const chained = `${hookFile}${CHAINED_SUFFIX}`;
  const previous = existsSync(chained) ? `, then the previous hook, kept as ${show(layout, chained)}` : '';
  return { changed, method: 'hooks-dir', description: `the guard runs from ${show(layout, hookFile)}${previous}` };
}

/** Removes exactly what `installGuard` added, and puts a replaced hook back as it was. */
export function uninstallGuard(worktreeRoot: string): { changed: string[] } {
  const layout = hookLayout(worktreeRoot);
  const changed: string[] = [];
  const hookFile = join(layout.hooksDir, 'pre-commit');
  if (isGuardHook(readText(hookFile))) {
    unlinkSync(hookFile);
    changed.push(hookFile);
    const chained = `${hookFile}${CHAINED_SUFFIX}`;
    if (existsEntry(chained)) {
      renameSync(chained, hookFile);
      changed.push(chained);
    }
  }
  for (const script of new Set([hookFile, join(layout.huskyDir ?? join(layout.repo.worktreeRoot, '.husky'), 'pre-commit')])) {
    const text = readText(script);
    if (text === null || !hasGuardBlock(text)) continue;
    const rest = withoutGuardBlock(text);
    if (rest === null) unlinkSync(script);
    else writeFileSync(script, rest);
    changed.push(script);
  }
  changed.push(...undoHuskySetup(layout.repo));
  return { changed };
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

export function addGuardBlock(script: string, dryRun: boolean): string[] {
  const text = readText(script);
  const updated = withGuardBlock(text);
  if (updated === text) return [];
  if (!dryRun) {
    mkdirSync(dirname(script), { recursive: true });
    writeFileSync(script, updated, text === null ? { mode: 0o755 } : {});
  }
  return [script];
}

/**
 * Our pre-commit in the hooks directory. A hook already there is kept to run after the guard: in
 * `.git/hooks` it is moved aside, whatever it is written in; in a hooks directory inside the
 * worktree (tracked files) the guard is appended to it instead, which needs a shell script.
 */
export function installInHooksDir(layout: HookLayout, dryRun: boolean): string[] {
  const hookFile = join(layout.hooksDir, 'pre-commit');
  const chained = `${hookFile}${CHAINED_SUFFIX}`;
  const existing = readText(hookFile);
  const wanted = hookScript();
  if (hasGuardBlock(existing) && !isGuardHook(existing)) return addGuardBlock(hookFile, dryRun);
  if (isGuardHook(existing)) {
    if (existing === wanted && isExecutable(hookFile)) return [];
    if (!dryRun) {
      writeFileSync(hookFile, wanted);
      chmodSync(hookFile, 0o755);
    }
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
      return addGuardBlock(hookFile, dryRun);
    }
    if (existsEntry(chained)) {
      throw new AgentLeaseError(`both ${hookFile} and ${chained} exist and neither is agent-lease's: move one of them away, then run agent-lease init again`);
    }
    if (!dryRun) renameSync(hookFile, chained);
    changed.push(chained);
  }
  if (!dryRun) {
    mkdirSync(layout.hooksDir, { recursive: true });
    writeFileSync(hookFile, wanted, { mode: 0o755, flag: 'wx' });
  }
  changed.push(hookFile);
  return changed;
}
