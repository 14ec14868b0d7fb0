// A Claude Code settings file: the shape of its hooks, where agent-lease writes it, reading it
// (with errors that name the file) and writing it back in its own indentation.
import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AgentLeaseError } from '../util/errors';
import { listWorktrees } from '../git/repo';

export type Settings = Record<string, unknown>;

/** One hook handler that runs a shell command. */
export interface CommandHandler {
  type: 'command';
  command: string;
  timeout?: number;
  [key: string]: unknown;
}

/** One entry of an event's list in `hooks`: the handlers for the tools its matcher takes. */
export interface MatcherGroup {
  matcher?: string;
  hooks: unknown[];
  [key: string]: unknown;
}

/**
 * `.claude/settings.json` of the worktree (committed: it reaches every worktree of the branch), or
 * with `local`, `.claude/settings.local.json` at the main worktree, where Claude Code reads the
 * personal file even for sessions in other worktrees.
 */
export function settingsPath(worktreeRoot: string, options: { local?: boolean } = {}): string {
  if (!options.local) return join(worktreeRoot, '.claude', 'settings.json');
  return join(mainWorktree(worktreeRoot) ?? worktreeRoot, '.claude', 'settings.local.json');
}

/** The settings in `file`; `{}` when it does not exist. Invalid JSON is an error naming the file. */
export function readSettings(file: string): Settings {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new AgentLeaseError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let settings: unknown;
  try {
    settings = JSON.parse(text);
  } catch (error) {
    throw new AgentLeaseError(`${file} is not valid JSON (${(error as Error).message}); fix it by hand first, nothing was changed`);
  }
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new AgentLeaseError(`${file} does not hold a JSON object; fix it by hand first, nothing was changed`);
  }
  return settings as Settings;
}

/** Writes `settings` in the file's own indentation; an emptied file is removed (with an emptied `.claude/`). */
export function writeSettings(file: string, settings: Settings): void {
  if (Object.keys(settings).length === 0) {
    rmSync(file, { force: true });
    try {
      rmdirSync(dirname(file));
    } catch {
      // `.claude/` holds other files: it stays.
    }
    return;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(settings, null, indentationOf(file))}\n`);
}

function indentationOf(file: string): string {
  try {
    return /^([ \t]+)"/m.exec(readFileSync(file, 'utf8'))?.[1] ?? '  ';
  } catch {
    return '  ';
  }
}

function mainWorktree(worktreeRoot: string): string | null {
  try {
    const main = listWorktrees(worktreeRoot)[0];
    return main !== undefined && !main.bare ? main.path : null;
  } catch {
    return null;
  }
}
