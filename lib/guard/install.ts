// Installing the commit guard so that it runs in every worktree, and finding out where it would not.
//
// Two ways in. With husky, the guard is a block appended to the tracked `.husky/pre-commit`, and
// husky's generated `.husky/_` (git's `core.hooksPath`) runs it. Without husky, it is a whole
// `pre-commit` in the hooks directory git uses (`<common dir>/hooks`, or a repository-local
// `core.hooksPath`), which runs the guard and then the hook it replaced; in a hooks directory
// inside the worktree, whose files are tracked, the block is appended to the shell hook there.
//
// The worktree hole: husky sets the *relative* `core.hooksPath=.husky/_`, and `.husky/_` is
// git-ignored and made only where husky ran, so a fresh `git worktree add` runs no hook at all.
// The repair runs husky's own setup in that worktree (with the husky of the worktree or of the
// main worktree, never npx), which recreates exactly what `npm install` would have. Making
// `core.hooksPath` absolute instead would run the main worktree's `.husky/pre-commit` from every
// branch, and husky's next run would undo it; a per-worktree `core.hooksPath` needs
// `extensions.worktreeConfig`, a repository format change some tools refuse. Neither is done.
//
// A tracked hook file (`.husky/pre-commit`) is edited only by `installGuard` and by an explicit
// repair of every worktree (`doctor --fix`); `ensureGuardActive`, which runs at every session
// start, repairs untracked machinery only and reports a branch whose `.husky/pre-commit` lacks
// the guard, rather than leave an unexpected change for the agent to commit.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { AgentLeaseError, describeError } from '../util/errors';
import { existsEntry, isDirectory, isExecutable, readJson, readText } from '../util/files';
import { readPathConfig, type ConfigValue } from '../git/config';
import { CHAINED_SUFFIX, hasGuardBlock, hookScript, isGuardHook, withGuardBlock, withoutGuardBlock } from './script';
import { listWorktrees, requireRepo, type RepoLocation } from '../git/repo';

export type GuardMethod = 'husky' | 'hooks-dir';

const SHELL_SCRIPT = /^#!\s*(\S*\/)?(env\s+)?(sh|bash|dash|zsh|ksh|ash)(\s|$)/;

export interface InstallResult {
  /** Files and directories created, changed or moved (absolute paths). */
  changed: string[];
  method: GuardMethod;
  description: string;
}

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

interface HookLayout {
  repo: RepoLocation;
  hooksPath: ConfigValue | null;
  /** Where git looks for this worktree's hooks. */
  hooksDir: string;
  /** husky's script directory when the repository uses husky, whether or not husky ran here. */
  huskyDir: string | null;
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

/** Where installGuard notes that it ran husky's setup itself (in a clone where it had never run). */
function huskySetupMarker(repo: RepoLocation): string {
  return join(repo.commonDir, 'agent-lease', 'husky-set-up-by-init.json');
}

/** Takes back the husky setup installGuard ran: its generated `_` directory and `core.hooksPath`. */
function undoHuskySetup(repo: RepoLocation): string[] {
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

/**
 * Makes sure a commit in this worktree runs the guard; called at every session start. Cheap when
 * all is well (files only, no git process). Repairs the worktree hole and a missing or disabled
 * hook in the hooks directory; never throws: what it cannot repair comes back as `problem`.
 */
export function ensureGuardActive(worktreeRoot: string): { repaired: boolean; problem?: string } {
  try {
    const layout = hookLayout(worktreeRoot);
    if (stateOf(layout).active) return { repaired: false };
    const changed = repair(layout, { editTracked: false });
    const after = stateOf(hookLayout(worktreeRoot));
    return after.active ? { repaired: changed.length > 0 } : { repaired: changed.length > 0, problem: sentence(after) };
  } catch (error) {
    return { repaired: false, problem: describeError(error) };
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
      const changed = repair(hookLayout(state.worktree), { editTracked: true });
      const after = guardState(state.worktree);
      return { ...base, repaired: changed.length > 0, changed, ...(after.active ? {} : { problem: sentence(after) }) };
    } catch (error) {
      return { ...base, repaired: false, changed: [], problem: describeError(error) };
    }
  });
}

function hookLayout(worktreeRoot: string): HookLayout {
  const repo = requireRepo(worktreeRoot);
  const hooksPath = readPathConfig(repo, 'core.hooksPath');
  const hooksDir = hooksPath === null ? join(repo.commonDir, 'hooks') : resolve(repo.worktreeRoot, hooksPath.value);
  let huskyDir: string | null = null;
  if (hooksPath !== null && basename(hooksDir) === '_') huskyDir = dirname(hooksDir);
  else if (!isRepositoryScope(hooksPath) && usesHusky(repo.worktreeRoot)) huskyDir = join(repo.worktreeRoot, '.husky');
  return { repo, hooksPath, hooksDir, huskyDir };
}

function stateOf(layout: HookLayout): GuardState {
  const hookFile = join(layout.hooksDir, 'pre-commit');
  const hook = readText(hookFile);
  if (isGuardHook(hook) || hasGuardBlock(hook)) {
    if (isExecutable(hookFile)) return { active: true, method: 'hooks-dir' };
    return { active: false, method: 'hooks-dir', problem: `${show(layout, hookFile)} is not executable, so git skips it`, fix: 'agent-lease doctor --fix' };
  }
  if (layout.huskyDir === null) {
    const what = hook === null ? 'there is no pre-commit hook' : `${show(layout, hookFile)} does not run it`;
    return { active: false, method: 'none', problem: `the commit guard is not installed: ${what}`, fix: 'agent-lease init' };
  }
  const script = join(layout.huskyDir, 'pre-commit');
  const generated = join(layout.huskyDir, '_');
  const scriptText = readText(script);
  if (!hasGuardBlock(scriptText)) {
    return {
      active: false,
      method: 'husky',
      problem: scriptText === null ? `the guard is not installed: there is no ${show(layout, script)}` : `${show(layout, script)} on this branch does not run the guard`,
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
  const hookFile = join(layout.hooksDir, 'pre-commit');
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
    return installInHooksDir(layout, false);
  }
  const script = join(layout.huskyDir, 'pre-commit');
  const changed = options.editTracked ? addGuardBlock(script, false) : [];
  // Where husky is configured, its missing directory is remade even on a branch without the guard
  // (the user's own hooks come back); husky is set up from scratch only for a branch with the guard.
  if (!huskyRunsHere(layout) && (huskyConfigured(layout) || hasGuardBlock(readText(script)))) changed.push(...runHuskySetup(layout));
  return changed;
}

/** Whether `core.hooksPath` points at husky's generated directory. */
function huskyConfigured(layout: HookLayout): boolean {
  return layout.hooksPath !== null && layout.huskyDir !== null && layout.hooksDir === join(layout.huskyDir, '_');
}

/** Whether git would run husky's scripts in this worktree. */
function huskyRunsHere(layout: HookLayout): boolean {
  return huskyConfigured(layout) && existsSync(join(layout.hooksDir, 'h')) && isExecutable(join(layout.hooksDir, 'pre-commit'));
}

/** Runs husky's own setup in the worktree: `core.hooksPath` and its generated `_` directory. */
function runHuskySetup(layout: HookLayout): string[] {
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

function usesHusky(worktreeRoot: string): boolean {
  if (isDirectory(join(worktreeRoot, '.husky'))) return true;
  const manifest = readJson(join(worktreeRoot, 'package.json')) as { dependencies?: object; devDependencies?: object } | null;
  return Boolean(manifest && (Object.hasOwn(manifest.devDependencies ?? {}, 'husky') || Object.hasOwn(manifest.dependencies ?? {}, 'husky')));
}

function isRepositoryScope(hooksPath: ConfigValue | null): boolean {
  return hooksPath !== null && (hooksPath.scope === 'local' || hooksPath.scope === 'worktree');
}

/** A hooks directory set in the user's or the system's config serves other repositories too. */
function requireRepositoryHooksDir(layout: HookLayout): void {
  if (layout.hooksPath === null || isRepositoryScope(layout.hooksPath)) return;
  throw new AgentLeaseError(
    `core.hooksPath is set in your ${layout.hooksPath.scope} git config (${layout.hooksPath.value}), a hooks directory other repositories share: ` +
      `agent-lease will not install there. Add "agent-lease guard" to ${join(layout.hooksDir, 'pre-commit')} yourself, ` +
      `or give this repository its own hooks (git config core.hooksPath .git/hooks) and run agent-lease init again`,
  );
}

function addGuardBlock(script: string, dryRun: boolean): string[] {
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
function installInHooksDir(layout: HookLayout, dryRun: boolean): string[] {
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
        throw new AgentLeaseError(`${show(layout, hookFile)} is tracked and not a shell script, so agent-lease cannot append to it: add "agent-lease guard" to it yourself`);
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

function sentence(state: GuardState): string {
  return state.fix === undefined ? state.problem ?? 'the commit guard is not active' : `${state.problem}; fix: ${state.fix}`;
}

function show(layout: HookLayout, path: string): string {
  return isInside(layout.repo.worktreeRoot, path) ? relative(layout.repo.worktreeRoot, path) : path;
}

/** Whether `path` is among the worktree's own files (not in the git directory inside it). */
function isInWorkingTree(layout: HookLayout, path: string): boolean {
  return isInside(layout.repo.worktreeRoot, path) && !isInside(layout.repo.commonDir, path) && !isInside(layout.repo.gitDir, path);
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}




