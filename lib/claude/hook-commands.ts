// agent-lease's entries in Claude Code settings: the events it hooks, the shell command each runs,
// the `hooks` object `init` merges into a settings file (and the plugin ships as hooks/hooks.json),
// and recognising a handler as agent-lease's, also an earlier version's.
//
// A hook command runs through `sh -c` in whatever worktree a session started, and a fresh
// `git worktree add` has no node_modules. So the command looks for the binary where
// lib/util/binary.ts says, in its order: the session's worktree, then the main worktree (found
// through git only when the first place has none), then PATH, and never through npx; when there is
// none it says so on stderr and exits 1, which Claude Code shows the user as a hook error (an exit
// 127 from sh would be just as non-blocking but much less clear). No machine-specific path is
// written: the file is meant to be committed.
import { INSTALLED_BINARY, SHELL_PATH_LOOKUP, shellBinaryLookup } from '../util/binary';
import type { CommandHandler, MatcherGroup } from './settings-file';

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
  // Bash: the files a command would write are checked before it runs (lib/decisions/shell-writes.ts).
  { event: 'PreToolUse', hook: 'pre-tool-use', matcher: 'Write|Edit|MultiEdit|NotebookEdit|Bash', timeout: 10 },
  { event: 'PostToolUse', hook: 'post-tool-use', matcher: 'Bash', timeout: 15 },
  // A command that fails may have changed files all the same.
  { event: 'PostToolUseFailure', hook: 'post-tool-use', matcher: 'Bash', timeout: 15 },
  { event: 'Stop', hook: 'stop', timeout: 15 },
  { event: 'SessionEnd', hook: 'session-end', timeout: 5 },
];

/** `project`: settings written by `init`; `plugin`: the Claude Code plugin's hooks/hooks.json. */
export type Launcher = 'project' | 'plugin';

/** The shell command Claude Code runs for one hook. */
export function hookCommand(hook: HookName, launcher: Launcher): string {
  const remedy = launcher === 'plugin' ? 'npm i -g agent-lease' : 'npm install (agent-lease is a dev dependency), or npm i -g agent-lease';
  const lookup = shellBinaryLookup(
    'b',
    {
      worktree: [`"$d/${INSTALLED_BINARY}"`],
      'main worktree': [`"$(git -C "$d" rev-parse --path-format=absolute --git-common-dir 2>/dev/null)/../${INSTALLED_BINARY}"`],
      // A plugin installed from the npm package carries its own build, tried before PATH.
      PATH: [...(launcher === 'plugin' ? [`"\${CLAUDE_PLUGIN_ROOT}/dist/bin/agent-lease.js"`] : []), `"${SHELL_PATH_LOOKUP}"`],
    },
    `{ echo "agent-lease is not installed (looked in $d/${INSTALLED_BINARY}, the main worktree and PATH): run ${remedy}. Files are NOT being leased." >&2; exit 1; }`,
  );
  return [
    `d="\${CLAUDE_PROJECT_DIR:-.}"`,
    ...lookup,
    // The hook opens no TLS connection, and node would parse a NODE_EXTRA_CA_CERTS bundle at
    // start-up on every tool call (about 30 ms on the development machine).
    `unset NODE_EXTRA_CA_CERTS`,
    `exec "$b" hook ${hook}`,
  ].join('; ');
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

/** The matcher group of one entry: its matcher, if any, and the handler running the hook command. */
export function matcherGroupFor(entry: HookEntry, launcher: Launcher): MatcherGroup {
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
