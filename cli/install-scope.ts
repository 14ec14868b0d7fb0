// What `init` and `uninstall` work on: the worktree, the Claude Code settings file (--local: the
// personal one), and whether to change anything (--dry-run).
import { relative } from 'node:path';
import { readSettings, settingsPath, writeSettings, type Settings } from '../lib/claude/settings-file';
import type { SettingsChange } from '../lib/claude/settings-hooks';
import { AgentLeaseError } from '../lib/util/errors';
import { requireRepo } from '../lib/git/repo';
import { clientsFor, type ClientId, type FileChange } from '../lib/clients/setup';
import { parseCommandArgs, usageError } from './args';
import { writeOut } from './output';

const OPTIONS = {
  local: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  mcp: { type: 'boolean' },
  for: { type: 'string', multiple: true },
} as const;

export interface InstallScope {
  worktreeRoot: string;
  commonDir: string;
  settingsFile: string;
  local: boolean;
  dryRun: boolean;
  /** init: the MCP server and `mcp_tool` hooks (uninstall removes them either way). */
  mcp: boolean;
  /** The clients to set up or remove (`--for`); Claude Code alone without it. */
  clients: ClientId[];
  /** No `--for`, or `--for all`: for `uninstall`, every client's hooks and the commit guard. */
  everything: boolean;
}

export function installScope(args: string[], usage: string): InstallScope {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, usage);
  if (positionals.length > 0) throw new AgentLeaseError(`unexpected argument "${positionals[0]}"\n${usage}`);
  const { worktreeRoot, commonDir } = requireRepo(process.cwd());
  const local = values.local === true;
  let clients: ClientId[] = ['claude'];
  try {
    if (values.for !== undefined) clients = clientsFor(values.for, worktreeRoot);
  } catch (error) {
    throw usageError((error as Error).message, usage);
  }
  return {
    worktreeRoot,
    commonDir,
    settingsFile: settingsPath(worktreeRoot, { local }),
    local,
    dryRun: values['dry-run'] === true,
    mcp: values.mcp === true,
    clients,
    everything: values.for === undefined || values.for.some((value) => value.split(',').some((name) => name.trim().toLowerCase() === 'all')),
  };
}

/** A path as the user would type it from here. */
export function shown(path: string): string {
  return relative(process.cwd(), path) || path;
}

/**
 * Applies `change` to the settings file (unless --dry-run) and says what changed, one line each,
 * or `unchanged` when there was nothing to do. True when there was something to change.
 */
export function changeSettings(
  scope: InstallScope,
  change: (settings: Settings) => SettingsChange,
  unchanged: string,
  file: { path: string; read(path: string): Settings; write(path: string, settings: Settings): void } = {
    path: scope.settingsFile,
    read: readSettings,
    write: writeSettings,
  },
): boolean {
  const { settings, changes } = change(file.read(file.path));
  return changeFile(scope, { file: file.path, changes, apply: () => file.write(file.path, settings) }, unchanged);
}

/** Two changes of one settings object, one after the other. */
export function bothChanges(
  first: (settings: Settings) => SettingsChange,
  second: (settings: Settings) => SettingsChange,
): (settings: Settings) => SettingsChange {
  return (settings) => {
    const one = first(settings);
    const two = second(one.settings);
    return { settings: two.settings, changes: [...one.changes, ...two.changes] };
  };
}

/** Makes `change` (unless --dry-run) and says what changed, or `unchanged`. True when there was something to change. */
export function changeFile(scope: InstallScope, change: Pick<FileChange, 'file' | 'changes' | 'apply'>, unchanged: string): boolean {
  if (change.changes.length === 0) {
    writeOut(`${shown(change.file)}: ${unchanged}`);
    return false;
  }
  if (!scope.dryRun) change.apply();
  writeOut(`${scope.dryRun ? 'would change' : 'changed'} ${shown(change.file)}:`);
  for (const line of change.changes) writeOut(`  ${line}`);
  return true;
}
