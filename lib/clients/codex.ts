// Codex CLI: agent-lease's hooks in the project's .codex/hooks.json (Claude-shaped events, timeouts
// in seconds), and whether Codex will run them. Codex reads a project's .codex/ only once the
// project is trusted (`[projects."<dir>"] trust_level = "trusted"` in its config.toml), and runs a
// hook only once the user has approved it (`[hooks.state."<file>:<event>:<group>:<handler>"]
// trusted_hash = …`); anything else it skips without a word.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Settings } from '../claude/settings-file';
import { readText } from '../util/files';
import { clientHookPositions, type ClientHookEntry } from './hooks-json';

export const CODEX = 'codex';

export const CODEX_HOOK_ENTRIES: readonly ClientHookEntry[] = [
  { event: 'SessionStart', hook: 'session-start', timeout: 15 },
  { event: 'PreToolUse', hook: 'pre-tool-use', matcher: 'apply_patch|Bash', timeout: 10 },
  { event: 'PostToolUse', hook: 'post-tool-use', matcher: 'Bash', timeout: 15 },
  { event: 'Stop', hook: 'stop', timeout: 15 },
  { event: 'SessionEnd', hook: 'session-end', timeout: 5 },
];

export function codexHooksFile(worktreeRoot: string): string {
  return join(worktreeRoot, '.codex', 'hooks.json');
}

export function codexConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.CODEX_HOME || join(homedir(), '.codex'), 'config.toml');
}

/** How a person lets Codex run the hooks `init` wrote. */
export function codexApprovalSteps(worktreeRoot: string): string {
  return (
    `Codex runs these hooks only once you approve them: start codex in ${worktreeRoot}, trust the project when asked, ` +
    'and choose "Trust all and continue" when it says "Hooks need review" (or review them with /hooks). Until then Codex skips them silently.'
  );
}

export interface CodexTrust {
  configFile: string;
  projectTrusted: boolean;
  /** agent-lease's handlers in the hooks file with no approval recorded, as Codex names them. */
  unapproved: string[];
}

/** Whether Codex will run agent-lease's hooks of `hooksSettings` (the parsed .codex/hooks.json) in `projectDirs`. */
export function codexTrust(hooksFile: string, hooksSettings: Settings, projectDirs: string[], env: NodeJS.ProcessEnv = process.env): CodexTrust {
  const configFile = codexConfigFile(env);
  const tables = tomlTables(readText(configFile) ?? '');
  const projectTrusted = projectDirs.some((dir) => tables.get(`projects\0${dir}`)?.get('trust_level') === 'trusted');
  const unapproved = clientHookPositions(hooksSettings, CODEX)
    .map(({ event, group, handler }) => `${hooksFile}:${snakeCase(event)}:${group}:${handler}`)
    .filter((key) => (tables.get(`hooks\0state\0${key}`)?.get('trusted_hash') ?? '') === '');
  return { configFile, projectTrusted, unapproved };
}

function snakeCase(event: string): string {
  return event.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase();
}

const TABLE_HEADER = /^\s*\[\s*([^[\]]*?)\s*\]\s*(#.*)?$/;
const STRING_ENTRY = /^\s*([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*')\s*(#.*)?$/;
const KEY_PART = /\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*(\.|$)/y;

/**
 * The string values of each `[table]` of a TOML text, by the table's dotted key (parts joined by
 * NUL). Only what trust needs: string values of plain keys under table headers.
 */
function tomlTables(text: string): Map<string, Map<string, string>> {
  const tables = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  for (const line of text.split('\n')) {
    const header = TABLE_HEADER.exec(line);
    if (header !== null) {
      const key = tableKey(header[1]!);
      current = key === null ? null : (tables.get(key) ?? new Map());
      if (key !== null && current !== null) tables.set(key, current);
      continue;
    }
    const entry = STRING_ENTRY.exec(line);
    if (entry !== null && current !== null) current.set(entry[1]!, tomlString(entry[2]!));
  }
  return tables;
}

function tableKey(header: string): string | null {
  const parts: string[] = [];
  KEY_PART.lastIndex = 0;
  while (KEY_PART.lastIndex < header.length) {
    const match = KEY_PART.exec(header);
    if (match === null) return null;
    parts.push(/^["']/.test(match[1]!) ? tomlString(match[1]!) : match[1]!);
    if (match[2] === '') break;
  }
  return parts.join('\0');
}

function tomlString(quoted: string): string {
  if (quoted.startsWith("'")) return quoted.slice(1, -1);
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted.slice(1, -1);
  }
}
