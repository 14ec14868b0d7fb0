// Gemini CLI: agent-lease's hooks in the project's .gemini/settings.json (timeouts in milliseconds).
import { join } from 'node:path';
import type { ClientHookEntry } from './hooks-json';

export const GEMINI = 'gemini';

export const GEMINI_HOOK_ENTRIES: readonly ClientHookEntry[] = [
  { event: 'SessionStart', hook: 'session-start', timeout: 15_000 },
  { event: 'BeforeTool', hook: 'before-tool', matcher: 'write_file|replace|run_shell_command', timeout: 10_000 },
  { event: 'AfterTool', hook: 'after-tool', matcher: 'run_shell_command', timeout: 15_000 },
  { event: 'AfterAgent', hook: 'after-agent', timeout: 15_000 },
  { event: 'SessionEnd', hook: 'session-end', timeout: 5_000 },
];

export function geminiSettingsFile(worktreeRoot: string): string {
  return join(worktreeRoot, '.gemini', 'settings.json');
}
