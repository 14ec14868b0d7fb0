// What `init` and `uninstall` work on: the worktree, the Claude Code settings file (--local: the
// personal one), and whether to change anything (--dry-run).
import { relative } from 'node:path';
import { readSettings, settingsPath, writeSettings, type Settings } from '../lib/claude/settings-file';
import type { SettingsChange } from '../lib/claude/settings-hooks';
import { AgentLeaseError } from '../lib/util/errors';
import { requireRepo } from '../lib/git/repo';
import { parseCommandArgs } from './args';
import { writeOut } from './output';

const OPTIONS = {
  local: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
} as const;

export interface InstallScope {
  worktreeRoot: string;
  commonDir: string;
  settingsFile: string;
  local: boolean;
  dryRun: boolean;
}

export function installScope(args: string[], usage: string): InstallScope {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, usage);
  if (positionals.length > 0) throw new AgentLeaseError(`unexpected argument "${positionals[0]}"\n${usage}`);
  const { worktreeRoot, commonDir } = requireRepo(process.cwd());
  const local = values.local === true;
  return { worktreeRoot, commonDir, settingsFile: settingsPath(worktreeRoot, { local }), local, dryRun: values['dry-run'] === true };
}

/** A path as the user would type it from here. */
export function shown(path: string): string {
  return relative(process.cwd(), path) || path;
}

/**
 * Applies `change` to the settings file (unless --dry-run) and says what changed, one line each,
 * or `unchanged` when there was nothing to do. True when there was something to change.
 */
export function changeSettings(scope: InstallScope, change: (settings: Settings) => SettingsChange, unchanged: string): boolean {
  const { settings, changes } = change(readSettings(scope.settingsFile));
  if (changes.length === 0) {
    writeOut(`${shown(scope.settingsFile)}: ${unchanged}`);
    return false;
  }
  if (!scope.dryRun) writeSettings(scope.settingsFile, settings);
  writeOut(`${scope.dryRun ? 'would change' : 'changed'} ${shown(scope.settingsFile)}:`);
  for (const line of changes) writeOut(`  ${line}`);
  return true;
}
