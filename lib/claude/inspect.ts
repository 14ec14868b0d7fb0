// Checking what is installed, for `init` and `doctor`: whether Claude Code sessions started in a
// worktree run agent-lease's hooks, and which binary those hooks would find.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { binaryCandidates } from '../util/binary';
import { isExecutable } from '../util/files';
import { locateRepo } from '../git/repo';
import { HOOK_ENTRIES } from './hook-commands';
import { readSettings, settingsPath, type CommandHandler, type Settings } from './settings-file';
import { hookScriptProblem } from './hook-script';
import { agentLeaseEventsIn, agentLeaseHandlersIn } from './settings-hooks';

export interface BinaryResolution {
  /** The binary a hook started in `worktreeRoot` would run, or null when there is none. */
  path: string | null;
  tried: string[];
}

/** What the `project` hook command finds, looked up the same way from TypeScript. */
export function resolveHookBinary(worktreeRoot: string, env: NodeJS.ProcessEnv = process.env): BinaryResolution {
  const repo = locateRepo(worktreeRoot);
  const candidates = binaryCandidates(worktreeRoot, repo === null ? null : dirname(repo.commonDir), env.PATH);
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
  const files = [...new Set(paths)].filter((path) => existsSync(path)).map((path) => inspectFile(path, worktreeRoot));
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
    problems.push(
      `the hooks will not find an agent-lease binary (looked in ${binary.tried.slice(0, 2).join(', ')} and PATH): run npm install, or npm i -g agent-lease`,
    );
  }
  return { files, missing, binary, problems };
}

function inspectFile(path: string, worktreeRoot: string): { path: string; events: string[]; problem: string | null } {
  let settings: Settings;
  try {
    settings = readSettings(path);
  } catch (error) {
    return { path, events: [], problem: (error as Error).message };
  }
  const scripts = new Set(agentLeaseHandlersIn(settings).flatMap((handler) => scriptRun(handler, worktreeRoot)));
  const problems = [...scripts].map(hookScriptProblem).filter((problem) => problem !== null);
  return { path, events: agentLeaseEventsIn(settings), problem: problems.length === 0 ? null : problems.join('; ') };
}

/**
 * The script an exec-form handler of `init` runs from `worktreeRoot`; none for the plugin's (run
 * with /bin/sh from a directory not visible here) and the inline commands of earlier versions.
 */
function scriptRun(handler: CommandHandler, worktreeRoot: string): string[] {
  if (!Array.isArray(handler.args) || handler.command === '/bin/sh') return [];
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder Claude Code substitutes
  return [handler.command.replace('${CLAUDE_PROJECT_DIR}', worktreeRoot)];
}
