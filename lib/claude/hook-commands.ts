// agent-lease's entries in Claude Code settings: the events it hooks, how each handler starts
// agent-lease, the `hooks` object `init` merges into a settings file (and the plugin ships as
// hooks/hooks.json), and recognising a handler as agent-lease's, also an earlier version's.
//
// Every handler runs a small shell script in exec form (`"command": <script>, "args": ["hook",
// <event>]`), so that Claude Code shows a hook error as the script's own message, not as a
// 500-character command. The script finds the binary where lib/util/binary.ts says, in its order:
// the session's worktree, then the main worktree (found through git only when the first place has
// none), then PATH, and never through npx; when there is none it says so on stderr and exits 1,
// which Claude Code shows the user as a hook error (a spawn failure or an exit 127 would be just as
// non-blocking but much less clear). A hook command runs in whatever worktree a session started,
// and a fresh `git worktree add` has no node_modules, so the script cannot come from the package:
//
// - `init` writes it to `.claude/hooks/agent-lease.sh`, committed with `.claude/settings.json`, so
//   every worktree of the branch has both; the settings reach it through `${CLAUDE_PROJECT_DIR}`,
//   which Claude Code substitutes in exec form. The script is the command itself rather than an
//   argument of `/bin/sh`: a settings file whose script is missing then fails to start its hook,
//   which is a non-blocking error, where `sh` would exit 2 — a denial of every tool call.
// - `init --local` writes it under the git common dir (`agent-lease/claude-hooks.sh`), shared by
//   every worktree and never committed, and the personal settings name it by its absolute path.
// - The plugin ships it as hooks/agent-lease.sh and runs it with `/bin/sh`. It looks in the same
//   places and nowhere else, in particular not in the plugin's own directory: a plugin is copied
//   from git without node_modules (better-sqlite3 is a native module, so no single-file build can
//   carry it) and without dist/, and the commit guard and the session's Bash tool must run the very
//   binary the hooks run. So the plugin needs agent-lease installed (globally, or as the project's
//   dev dependency) and says so when it is not.
//
// The script execs the binary, so the SessionStart hook knows the binary it runs as and puts its
// directory on the session's PATH through CLAUDE_ENV_FILE (lib/decisions/session-start.ts).
import { INSTALLED_BINARY, SHELL_PATH_LOOKUP, shellBinaryLookup } from '../util/binary';
import type { CommandHandler, MatcherGroup } from './settings-file';

export type HookName =
  | 'session-start'
  | 'user-prompt-submit'
  | 'pre-tool-use'
  | 'post-tool-use'
  | 'stop'
  | 'session-end'
  | 'subagent-start'
  | 'subagent-stop'
  | 'worktree-remove';

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
  // Handoff requests reach a session that only reads and talks at its next prompt.
  { event: 'UserPromptSubmit', hook: 'user-prompt-submit', timeout: 10 },
  // Bash: the files a command would write are checked before it runs (lib/decisions/shell-writes.ts).
  { event: 'PreToolUse', hook: 'pre-tool-use', matcher: 'Write|Edit|MultiEdit|NotebookEdit|Bash', timeout: 10 },
  { event: 'PostToolUse', hook: 'post-tool-use', matcher: 'Bash', timeout: 15 },
  // A command that fails may have changed files all the same.
  { event: 'PostToolUseFailure', hook: 'post-tool-use', matcher: 'Bash', timeout: 15 },
  { event: 'Stop', hook: 'stop', timeout: 15 },
  { event: 'SessionEnd', hook: 'session-end', timeout: 5 },
  // Subagents are holders within their session (lib/core/agents.ts).
  { event: 'SubagentStart', hook: 'subagent-start', timeout: 15 },
  { event: 'SubagentStop', hook: 'subagent-stop', timeout: 15 },
  // Sent only for worktrees a WorktreeCreate hook made; Claude Code's own are noticed gone (core/reclaim.ts).
  { event: 'WorktreeRemove', hook: 'worktree-remove', timeout: 15 },
];

/**
 * `project`: the settings `init` writes, running the script it writes in the worktree;
 * `{ localScript }`: the personal settings of `init --local`, running the script at that absolute
 * path; `plugin`: the Claude Code plugin's hooks/hooks.json.
 */
export type Launcher = 'project' | 'plugin' | { localScript: string };

/** The script `init` writes for the project settings, relative to the worktree. */
export const PROJECT_HOOK_SCRIPT = '.claude/hooks/agent-lease.sh';

/** The script `init --local` writes, relative to the git common dir. */
export const LOCAL_HOOK_SCRIPT = 'agent-lease/claude-hooks.sh';

/** The second line of every script agent-lease writes for Claude Code's hooks. */
export const HOOK_SCRIPT_MARK = "# agent-lease: Claude Code's hooks run agent-lease through this script";

/**
 * The shell statements that set `$b` to the binary (or say there is none and exit 1), for hooks
 * started in `$CLAUDE_PROJECT_DIR`.
 */
function findBinary(launcher: 'project' | 'plugin'): string[] {
  const remedy = launcher === 'plugin' ? 'npm i -g agent-lease' : 'npm install (agent-lease is a dev dependency), or npm i -g agent-lease';
  const lookup = shellBinaryLookup(
    'b',
    {
      worktree: [`"$d/${INSTALLED_BINARY}"`],
      'main worktree': [`"$(git -C "$d" rev-parse --path-format=absolute --git-common-dir 2>/dev/null)/../${INSTALLED_BINARY}"`],
      PATH: [`"${SHELL_PATH_LOOKUP}"`],
    },
    `{ echo "agent-lease is not installed (looked in $d/${INSTALLED_BINARY}, the main worktree and PATH): run ${remedy}. Files are NOT being leased." >&2; exit 1; }`,
  );
  return [
    `d="\${CLAUDE_PROJECT_DIR:-.}"`,
    ...lookup,
    // The hook opens no TLS connection, and node would parse a NODE_EXTRA_CA_CERTS bundle at
    // start-up on every tool call (about 30 ms on the development machine).
    `unset NODE_EXTRA_CA_CERTS`,
  ];
}

/**
 * The binary, found as the project's hook script finds it, run with `args`, as one shell command:
 * the MCP server's command in .mcp.json, and other clients' hooks (lib/clients/), which their
 * clients run through a shell in the session's directory.
 */
export function binaryCommand(args: string): string {
  return [...findBinary('project'), `exec "$b" ${args}`].join('; ');
}

/** The plugin's script, relative to its root; its hooks run it in exec form (no `sh -c` of a long command). */
export const PLUGIN_HOOK_SCRIPT = 'hooks/agent-lease.sh';

/**
 * The text of a hook script: the lookup, then the binary with the script's arguments. `project`:
 * the one `init` writes (also with --local); `plugin`: the plugin's hooks/agent-lease.sh.
 */
export function hookScript(launcher: 'project' | 'plugin'): string {
  const origin =
    launcher === 'plugin'
      ? ['# Generated from lib/claude/hook-commands.ts (test/init.test.ts says how); do not edit.']
      : ['# Written by `agent-lease init`, which rewrites it; `agent-lease uninstall` removes it. Do not edit.'];
  return ['#!/bin/sh', `${HOOK_SCRIPT_MARK}: \`<script> hook <event>\`.`, ...origin, ...findBinary(launcher), 'exec "$b" "$@"', ''].join('\n');
}

/** The `hooks` object agent-lease installs. */
export function agentLeaseHooks(launcher: Launcher): Record<string, MatcherGroup[]> {
  const hooks: Record<string, MatcherGroup[]> = {};
  for (const entry of HOOK_ENTRIES) hooks[entry.event] = [matcherGroupFor(entry, launcher)];
  return hooks;
}

/** The text of the plugin's hooks/hooks.json. */
export function pluginHooksFile(): string {
  return `${JSON.stringify({ description: 'agent-lease: file leases for parallel coding agents', hooks: agentLeaseHooks('plugin') }, null, 2)}\n`;
}

/**
 * The matcher group of one entry: its matcher, if any, and the handler running the hook; with
 * `mcp`, an event Claude Code can send to an MCP tool calls the agent-lease server's hook tool.
 * `blockOnFailure` (hooks.onStoreError "deny"): a PreToolUse hook tool that fails to answer
 * (server down, not started, timed out) blocks the tool call, as a store error does.
 */
export function matcherGroupFor(entry: HookEntry, launcher: Launcher, mcp = false, blockOnFailure = false): MatcherGroup {
  const handler: CommandHandler | McpToolHandler =
    mcp && MCP_HOOK_EVENTS.has(entry.event)
      ? mcpHookHandler(entry, blockOnFailure && entry.event === 'PreToolUse')
      : launcher === 'plugin'
        ? { type: 'command', command: '/bin/sh', args: [`\${CLAUDE_PLUGIN_ROOT}/${PLUGIN_HOOK_SCRIPT}`, 'hook', entry.hook], timeout: entry.timeout }
        : { type: 'command', command: scriptOf(launcher), args: ['hook', entry.hook], timeout: entry.timeout };
  return entry.matcher === undefined ? { hooks: [handler] } : { matcher: entry.matcher, hooks: [handler] };
}

/** The script a project or local handler runs, as its settings name it. */
function scriptOf(launcher: 'project' | { localScript: string }): string {
  return launcher === 'project' ? `\${CLAUDE_PROJECT_DIR}/${PROJECT_HOOK_SCRIPT}` : launcher.localScript;
}

/** The name `init --mcp` gives the server in .mcp.json: its tools are `mcp__agent-lease__claim` and so on. */
export const MCP_SERVER = 'agent-lease';
/** The server's tool that answers hooks. */
export const MCP_HOOK_TOOL = 'hook';

/**
 * Events whose hooks Claude Code can send to an MCP tool of a connected server. SessionStart comes
 * before the servers connect, and Stop and SessionEnd take no `mcp_tool` handler: they stay commands.
 */
export const MCP_HOOK_EVENTS: ReadonlySet<string> = new Set(['UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'PostToolUseFailure']);

/**
 * What the hook tool is called with: the hook input's fields that the hooks read, interpolated by
 * Claude Code (a missing field becomes "", an object its JSON text), and which hook to run.
 */
export function mcpHookInput(hook: HookName): Record<string, string> {
  const input: Record<string, string> = { hook };
  for (const field of MCP_HOOK_FIELDS) input[field] = `\${${field}}`;
  return input;
}

const MCP_HOOK_FIELDS = ['hook_event_name', 'session_id', 'cwd', 'tool_name', 'tool_input', 'duration_ms', 'agent_id', 'agent_type'] as const;

interface McpToolHandler {
  type: 'mcp_tool';
  server: string;
  tool: string;
  input: Record<string, string>;
  timeout: number;
  /** Claude Code 2.1.3xx: "block" makes a failure to answer count as exit code 2 (the tool call is blocked). */
  onFailure?: 'block';
}

function mcpHookHandler(entry: HookEntry, blockOnFailure: boolean): McpToolHandler {
  const handler: McpToolHandler = { type: 'mcp_tool', server: MCP_SERVER, tool: MCP_HOOK_TOOL, input: mcpHookInput(entry.hook), timeout: entry.timeout };
  return blockOnFailure ? { ...handler, onFailure: 'block' } : handler;
}

const HOOK_INVOCATION = /\bhook (session-start|user-prompt-submit|pre-tool-use|post-tool-use|stop|session-end|subagent-start|subagent-stop|worktree-remove)\b/;

/**
 * Whether a settings hook handler is agent-lease's: a command that runs `agent-lease … hook
 * <event>` (one of agent-lease's scripts in exec form, or the whole lookup inline through `sh -c`
 * as earlier versions wrote it, or older commands still), so that `init` replaces an earlier
 * version's handler rather than adding a second, and `uninstall` and `doctor` know it.
 */
export function agentLeaseHookOf(handler: unknown): HookName | null {
  if (typeof handler !== 'object' || handler === null) return null;
  const tool = handler as Partial<McpToolHandler>;
  if (tool.type === 'mcp_tool') {
    const hook = tool.server === MCP_SERVER && tool.tool === MCP_HOOK_TOOL ? tool.input?.hook : undefined;
    return HOOK_INVOCATION.test(`hook ${hook}`) ? (hook as HookName) : null;
  }
  const { type, command, args } = handler as Partial<CommandHandler>;
  if (type !== 'command' || typeof command !== 'string') return null;
  const invocation = Array.isArray(args) ? [command, ...args].join(' ') : command;
  if (!invocation.includes('agent-lease')) return null;
  return (HOOK_INVOCATION.exec(invocation)?.[1] as HookName | undefined) ?? null;
}
