// The script `init` writes for the hooks it installs (lib/claude/hook-commands.ts says why there is
// one and where it goes): writing it, checking it is there and current, removing it again.
import { mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isExecutable, readText, writeAtomically } from '../util/files';
import { HOOK_SCRIPT_MARK, hookScript, LOCAL_HOOK_SCRIPT, PROJECT_HOOK_SCRIPT, type Launcher } from './hook-commands';

export interface HookScriptPlace {
  /** Where the script is. */
  path: string;
  /** How the settings name it. */
  launcher: Launcher;
}

/** The script for the project settings of `worktreeRoot`, or with `local` for the personal ones. */
export function hookScriptPlace(worktreeRoot: string, commonDir: string, local: boolean): HookScriptPlace {
  if (!local) return { path: join(worktreeRoot, PROJECT_HOOK_SCRIPT), launcher: 'project' };
  const path = join(commonDir, LOCAL_HOOK_SCRIPT);
  return { path, launcher: { localScript: path } };
}

/** Writes the script unless it is there already, current and executable; true when it (would have) changed. */
export function writeHookScript(path: string, dryRun: boolean): boolean {
  if (hookScriptProblem(path) === null) return false;
  if (!dryRun) {
    mkdirSync(dirname(path), { recursive: true });
    writeAtomically(path, hookScript('project'), 0o755);
  }
  return true;
}

/**
 * Removes the script when it is agent-lease's (a file someone else put there stays), and the
 * project's `.claude/hooks/` and `.claude/` when that leaves them empty; true when it (would have) gone.
 */
export function removeHookScript(place: HookScriptPlace, dryRun: boolean): boolean {
  if (!isHookScript(readText(place.path))) return false;
  if (dryRun) return true;
  rmSync(place.path, { force: true });
  if (place.launcher === 'project') {
    try {
      rmdirSync(dirname(place.path));
      rmdirSync(dirname(dirname(place.path)));
    } catch {
      // Not empty: it holds other files, which stay.
    }
  }
  return true;
}

/** What is wrong with the script at `path` (missing, not executable, out of date), with the remedy; null when nothing is. */
export function hookScriptProblem(path: string): string | null {
  const text = readText(path);
  if (text === null) return `${path}, which the hooks run, is missing: run agent-lease init (and commit it with the settings)`;
  if (!isHookScript(text)) return `${path}, which the hooks run, is not agent-lease's script: move it away and run agent-lease init`;
  if (text !== hookScript('project')) return `${path} is from another version of agent-lease: run agent-lease init`;
  if (!isExecutable(path)) return `${path} is not executable, so the hooks cannot start it: run agent-lease init`;
  return null;
}

function isHookScript(text: string | null): boolean {
  return text?.split('\n', 2)[1]?.startsWith(HOOK_SCRIPT_MARK) ?? false;
}
