// agent-lease's entries in Claude Code settings: the hook commands, merging them into a settings
// file without touching anything else in it, taking them out again, and checking that they are
// there and will find an agent-lease binary (for `init`, `uninstall` and `doctor`).
//
// A hook command runs through `sh -c` in whatever worktree a session started, and a fresh
// `git worktree add` has no node_modules. So the command looks for the binary in the session's
// worktree, then in the main worktree (found through git only when the first place has none), then
// on PATH, and never through npx; when there is none it says so on stderr and exits 1, which
// Claude Code shows the user as a hook error (an exit 127 from sh would be just as non-blocking
// but much less clear). No machine-specific path is written: the file is meant to be committed.
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { AgentLeaseError } from '../util/errors';
import { isExecutable } from '../util/files';
import { listWorktrees, locateRepo } from '../git/repo';

export type HookName = 'session-start' | 'pre-tool-use' | 'post-tool-use' | 'stop' | 'session-end';

export interface HookEntry {
  /** The Claude Code event. */
  event: string;
  hook: HookName;
  matcher?: string;
  /** Seconds. SessionEnd hooks get about 1.5 s unless a settings file asks for more. */
  timeout: number;
}

export const HOOK_ENTRIES: readonly HookEntry[] = [
  { event: 'SessionStart', hook: 'session-start', timeout: 15 },
  { event: 'PreToolUse', hook: 'pre-tool-use', matcher: 'Write|Edit|MultiEdit|NotebookEdit', timeout: 10 },
  { event: 'PostToolUse', hook: 'post-tool-use', matcher: 'Bash', timeout: 15 },
  // A command that fails may have changed files all the same.
  { event: 'PostToolUseFailure', hook: 'post-tool-use', matcher: 'Bash', timeout: 15 },
  { event: 'Stop', hook: 'stop', timeout: 15 },
  { event: 'SessionEnd', hook: 'session-end', timeout: 5 },
];

/** `project`: settings written by `init`; `plugin`: the Claude Code plugin's hooks/hooks.json. */
export type Launcher = 'project' | 'plugin';

const BIN = 'node_modules/.bin/agent-lease';

/** The shell command Claude Code runs for one hook. */
export function hookCommand(hook: HookName, launcher: Launcher): string {
  const steps = [
    `d="\${CLAUDE_PROJECT_DIR:-.}"`,
    `b="$d/${BIN}"`,
    `[ -x "$b" ] || b="$(git -C "$d" rev-parse --path-format=absolute --git-common-dir 2>/dev/null)/../${BIN}"`,
  ];
  // A plugin installed from the npm package carries its own build.
  if (launcher === 'plugin') steps.push(`[ -x "$b" ] || b="\${CLAUDE_PLUGIN_ROOT}/dist/bin/agent-lease.js"`);
  const remedy = launcher === 'plugin' ? 'npm i -g agent-lease' : 'npm install (agent-lease is a dev dependency), or npm i -g agent-lease';
  steps.push(
    `[ -x "$b" ] || b="$(command -v agent-lease)" || { echo "agent-lease is not installed (looked in $d/${BIN}, the main worktree and PATH): run ${remedy}. Files are NOT being leased." >&2; exit 1; }`,
    // The hook opens no TLS connection, and node would parse a NODE_EXTRA_CA_CERTS bundle at
    // start-up on every tool call (about 30 ms on the development machine).
    `unset NODE_EXTRA_CA_CERTS`,
    `exec "$b" hook ${hook}`,
  );
  return steps.join('; ');
}

interface CommandHandler {
  type: 'command';
  command: string;
  timeout?: number;
  [key: string]: unknown;
}
interface MatcherGroup {
  matcher?: string;
  hooks: unknown[];
  [key: string]: unknown;
}
export type Settings = Record<string, unknown>;

/** The `hooks` object agent-lease installs. */
export function agentLeaseHooks(launcher: Launcher): Record<string, MatcherGroup[]> {
  const hooks: Record<string, MatcherGroup[]> = {};
  for (const entry of HOOK_ENTRIES) hooks[entry.event] = [groupFor(entry, launcher)];
  return hooks;
}

/** The text of the plugin's hooks/hooks.json. */
export function pluginHooksFile(): string {
  return `${JSON.stringify({ description: 'agent-lease: file leases for parallel coding agents', hooks: agentLeaseHooks('plugin') }, null, 2)}\n`;
}

function groupFor(entry: HookEntry, launcher: Launcher): MatcherGroup {
  const handler: CommandHandler = { type: 'command', command: hookCommand(entry.hook, launcher), timeout: entry.timeout };
  return entry.matcher === undefined ? { hooks: [handler] } : { matcher: entry.matcher, hooks: [handler] };
}

const HOOK_INVOCATION = /\bhook (session-start|pre-tool-use|post-tool-use|stop|session-end)\b/;

/**
 * Whether a settings hook handler is agent-lease's: a command that runs `agent-lease … hook
 * <event>`. This also recognises the commands of earlier versions, so that `init` replaces them.
 */
export function agentLeaseHookOf(handler: unknown): HookName | null {
  if (typeof handler !== 'object' || handler === null) return null;
  const { type, command } = handler as Partial<CommandHandler>;
  if (type !== 'command' || typeof command !== 'string' || !command.includes('agent-lease')) return null;
  return (HOOK_INVOCATION.exec(command)?.[1] as HookName | undefined) ?? null;
}

export interface SettingsChange {
  settings: Settings;
  /** One line per entry: `added PreToolUse (Write|Edit|…) → agent-lease hook pre-tool-use`, … */
  changes: string[];
}

/**
 * `settings` with agent-lease's entries, each exactly once, and no other agent-lease handler (an
 * earlier version's is replaced); everything else is kept as it was, in its place.
 */
export function addAgentLeaseHooks(settings: Settings, launcher: Launcher = 'project'): SettingsChange {
  const hooks = hooksObject(settings);
  const changes: string[] = [];
  const next: Record<string, unknown> = { ...hooks };
  for (const [event, value] of Object.entries(hooks)) {
    if (!Array.isArray(value) || HOOK_ENTRIES.some((entry) => entry.event === event)) continue;
    const { kept, removed } = withoutAgentLease(value as MatcherGroup[]);
    if (removed.length === 0) continue;
    next[event] = kept;
    for (const hook of removed) changes.push(`removed ${event} → agent-lease hook ${hook}`);
  }
  for (const entry of HOOK_ENTRIES) {
    const desired = groupFor(entry, launcher);
    const groups = groupList(hooks, entry.event);
    const { kept, removed } = withoutAgentLease(groups);
    if (removed.length === 1 && groups.some((group) => isDeepStrictEqual(group, desired))) continue;
    next[entry.event] = [...kept, desired];
    changes.push(`${removed.length === 0 ? 'added' : 'updated'} ${describeEntry(entry)}`);
  }
  return { settings: changes.length === 0 ? settings : { ...settings, hooks: next }, changes };
}

/** `settings` without any agent-lease entry; groups and events left empty by that are dropped too. */
export function removeAgentLeaseHooks(settings: Settings): SettingsChange {
  if (settings.hooks === undefined) return { settings, changes: [] };
  const hooks = hooksObject(settings);
  const changes: string[] = [];
  const next: Record<string, unknown> = {};
  for (const [event, value] of Object.entries(hooks)) {
    if (!Array.isArray(value)) {
      next[event] = value;
      continue;
    }
    const { kept, removed } = withoutAgentLease(value as MatcherGroup[]);
    for (const hook of removed) changes.push(`removed ${event} → agent-lease hook ${hook}`);
    if (kept.length > 0 || removed.length === 0) next[event] = kept;
  }
  if (changes.length === 0) return { settings, changes };
  // Rebuilt key by key so that `hooks` keeps its place in the file.
  const result: Settings = {};
  for (const [key, value] of Object.entries(settings)) {
    if (key !== 'hooks') result[key] = value;
    else if (Object.keys(next).length > 0) result[key] = next;
  }
  return { settings: result, changes };
}

function withoutAgentLease(groups: MatcherGroup[]): { kept: MatcherGroup[]; removed: HookName[] } {
  const kept: MatcherGroup[] = [];
  const removed: HookName[] = [];
  for (const group of groups) {
    const handlers = handlersOf(group);
    const others = handlers.filter((handler) => {
      const hook = agentLeaseHookOf(handler);
      if (hook !== null) removed.push(hook);
      return hook === null;
    });
    if (others.length === handlers.length) kept.push(group);
    else if (others.length > 0) kept.push({ ...group, hooks: others });
  }
  return { kept, removed };
}

function hooksObject(settings: Settings): Record<string, unknown> {
  const hooks = settings.hooks ?? {};
  if (typeof hooks !== 'object' || hooks === null || Array.isArray(hooks)) {
    throw new AgentLeaseError('the settings\' "hooks" is not an object; fix the file by hand first');
  }
  return hooks as Record<string, unknown>;
}

function groupList(hooks: Record<string, unknown>, event: string): MatcherGroup[] {
  const groups = hooks[event] ?? [];
  if (!Array.isArray(groups)) throw new AgentLeaseError(`the settings' "hooks.${event}" is not a list; fix the file by hand first`);
  return groups as MatcherGroup[];
}

function handlersOf(group: MatcherGroup): unknown[] {
  return Array.isArray(group?.hooks) ? group.hooks : [];
}

function describeEntry(entry: HookEntry): string {
  return `${entry.event}${entry.matcher === undefined ? '' : ` (${entry.matcher})`} → agent-lease hook ${entry.hook}, timeout ${entry.timeout}s`;
}

// ---- settings files ----

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

// ---- checks (init, doctor) ----

export interface BinaryResolution {
  /** The binary a hook started in `worktreeRoot` would run, or null when there is none. */
  path: string | null;
  tried: string[];
}

/** What the `project` hook command finds, looked up the same way from TypeScript. */
export function resolveHookBinary(worktreeRoot: string, env: NodeJS.ProcessEnv = process.env): BinaryResolution {
  const candidates = [join(worktreeRoot, BIN)];
  const repo = locateRepo(worktreeRoot);
  if (repo !== null) candidates.push(join(dirname(repo.commonDir), BIN));
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir !== '') candidates.push(join(dir, 'agent-lease'));
  const path = candidates.find(isExecutable) ?? null;
  return { path, tried: candidates };
}

export interface HooksInspection {
  /** Settings files read, with the events each runs an agent-lease hook on. */
  files: Array<{ path: string; events: string[]; problem: string | null }>;
  /** Events of `HOOK_ENTRIES` on which none of them runs agent-lease's hook. */
  missing: string[];
  binary: BinaryResolution;
  /** One line each, with what to do; empty when all is well. */
  problems: string[];
}

/**
 * Whether Claude Code sessions started in `worktreeRoot` run agent-lease's hooks (from the
 * project, local or user settings) and whether those find a binary. A plugin install is not
 * visible here; `missing` then lists every event.
 */
export function inspectClaudeHooks(worktreeRoot: string, options: { home?: string; env?: NodeJS.ProcessEnv } = {}): HooksInspection {
  const paths = [
    settingsPath(worktreeRoot),
    join(worktreeRoot, '.claude', 'settings.local.json'),
    settingsPath(worktreeRoot, { local: true }),
    join(options.home ?? homedir(), '.claude', 'settings.json'),
  ];
  const files = [...new Set(paths)].filter((path) => existsSync(path)).map((path) => inspectFile(path));
  const found = new Set(files.flatMap((file) => file.events));
  const missing = HOOK_ENTRIES.map((entry) => entry.event).filter((event) => !found.has(event));
  const binary = resolveHookBinary(worktreeRoot, options.env);
  const problems = files.flatMap((file) => (file.problem === null ? [] : [file.problem]));
  if (missing.length === HOOK_ENTRIES.length) {
    problems.push('no agent-lease hooks in the Claude Code settings of this worktree: run `agent-lease init` (or install the agent-lease plugin)');
  } else if (missing.length > 0) {
    problems.push(`agent-lease hooks missing from the Claude Code settings: ${missing.join(', ')}; run \`agent-lease init\` again`);
  }
  if (found.size > 0 && binary.path === null) {
    problems.push(`the hooks will not find an agent-lease binary (looked in ${binary.tried.slice(0, 2).join(', ')} and PATH): run npm install, or npm i -g agent-lease`);
  }
  return { files, missing, binary, problems };
}

function inspectFile(path: string): { path: string; events: string[]; problem: string | null } {
  let settings: Settings;
  try {
    settings = readSettings(path);
  } catch (error) {
    return { path, events: [], problem: (error as Error).message };
  }
  const hooks = settings.hooks;
  if (typeof hooks !== 'object' || hooks === null) return { path, events: [], problem: null };
  const found: string[] = [];
  for (const entry of HOOK_ENTRIES) {
    const groups = (hooks as Record<string, unknown>)[entry.event];
    if (!Array.isArray(groups)) continue;
    const handlers = (groups as MatcherGroup[]).flatMap(handlersOf);
    if (handlers.some((handler) => agentLeaseHookOf(handler) === entry.hook)) found.push(entry.event);
  }
  return { path, events: found, problem: null };
}
