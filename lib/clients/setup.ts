// What `init --for` and `uninstall --for` do for the clients other than Claude Code (whose
// settings are lib/claude/): each one's file in the worktree, the change agent-lease makes to it,
// and which clients are installed on this machine (`--for all`).
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { readSettings, writeSettings } from '../claude/settings-file';
import { INSTALLED_BINARY_DIR } from '../util/binary';
import { AgentLeaseError } from '../util/errors';
import { readText } from '../util/files';
import { CODEX, CODEX_HOOK_ENTRIES, codexApprovalSteps, codexHooksFile } from './codex';
import { GEMINI, GEMINI_HOOK_ENTRIES, geminiSettingsFile } from './gemini';
import { addClientHooks, removeClientHooks, type ClientHookEntry } from './hooks-json';
import { isOpencodePlugin, OPENCODE, opencodePlugin, opencodePluginFile } from './opencode';

export const CLIENTS = ['claude', CODEX, GEMINI, OPENCODE] as const;
export type ClientId = (typeof CLIENTS)[number];
export type OtherClient = Exclude<ClientId, 'claude'>;

/** How each client is called by people, and the program that runs it. */
export const CLIENT_NAMES: Record<ClientId, { name: string; program: string }> = {
  claude: { name: 'Claude Code', program: 'claude' },
  codex: { name: 'Codex CLI', program: 'codex' },
  gemini: { name: 'Gemini CLI', program: 'gemini' },
  opencode: { name: 'OpenCode', program: 'opencode' },
};

export interface FileChange {
  file: string;
  /** One line per change; none: the file is as agent-lease wants it already. */
  changes: string[];
  /** Makes the change. */
  apply(): void;
  /** What the person must still do for the client to run the hooks. */
  nextSteps: string[];
}

/** `--for` values (comma-separated or repeated; `all`: the clients installed here) as clients. */
export function clientsFor(values: readonly string[], worktreeRoot: string, env: NodeJS.ProcessEnv = process.env): ClientId[] {
  const named = values.flatMap((value) => value.split(',')).map((value) => value.trim().toLowerCase());
  const chosen = new Set<ClientId>();
  for (const name of named) {
    if (name === 'all') for (const client of installedClients(worktreeRoot, env)) chosen.add(client);
    else if ((CLIENTS as readonly string[]).includes(name)) chosen.add(name as ClientId);
    else throw new AgentLeaseError(`--for takes ${CLIENTS.join(', ')} or all, not "${name}"`);
  }
  return CLIENTS.filter((client) => chosen.has(client));
}

/** The clients whose program is on PATH or in the worktree's node_modules/.bin. */
export function installedClients(worktreeRoot: string, env: NodeJS.ProcessEnv = process.env): ClientId[] {
  const dirs = [join(worktreeRoot, INSTALLED_BINARY_DIR), ...(env.PATH ?? '').split(delimiter).filter((dir) => dir !== '')];
  return CLIENTS.filter((client) => dirs.some((dir) => isExecutable(join(dir, CLIENT_NAMES[client].program))));
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const HOOK_FILES: Record<Exclude<OtherClient, 'opencode'>, { file: (root: string) => string; entries: readonly ClientHookEntry[] }> = {
  codex: { file: codexHooksFile, entries: CODEX_HOOK_ENTRIES },
  gemini: { file: geminiSettingsFile, entries: GEMINI_HOOK_ENTRIES },
};

export function installChange(client: OtherClient, worktreeRoot: string): FileChange {
  if (client === OPENCODE) {
    const file = opencodePluginFile(worktreeRoot);
    const current = readText(file);
    if (current !== null && !isOpencodePlugin(current)) throw new AgentLeaseError(`${file} exists and is not agent-lease's; move it away first`);
    const text = opencodePlugin();
    return {
      file,
      changes: current === text ? [] : [`${current === null ? 'added' : 'updated'} the agent-lease plugin`],
      apply: () => {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, text);
      },
      nextSteps: [],
    };
  }
  const { file, entries } = HOOK_FILES[client];
  const path = file(worktreeRoot);
  const { settings, changes } = addClientHooks(readSettings(path), client, entries);
  return { file: path, changes, apply: () => writeSettings(path, settings), nextSteps: client === CODEX ? [codexApprovalSteps(worktreeRoot)] : [] };
}

export function uninstallChange(client: OtherClient, worktreeRoot: string): FileChange {
  if (client === OPENCODE) {
    const file = opencodePluginFile(worktreeRoot);
    const ours = isOpencodePlugin(readText(file));
    return { file, changes: ours ? ['removed the agent-lease plugin'] : [], apply: () => rmSync(file, { force: true }), nextSteps: [] };
  }
  const path = HOOK_FILES[client].file(worktreeRoot);
  const { settings, changes } = removeClientHooks(readSettings(path), client);
  return { file: path, changes, apply: () => writeSettings(path, settings), nextSteps: [] };
}
