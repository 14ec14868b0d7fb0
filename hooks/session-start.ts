// SessionStart: the session's start (lib/decisions/session-start.ts), exporting its id through
// CLAUDE_ENV_FILE to the session's Bash commands with the directory of the binary this runs as.
import { startSession } from '../lib/decisions/session-start';
import { agentEvent } from './event';
import { optionalString } from './input';
import { answer } from './output';
import type { HookInput, HookOutcome } from './types';

export async function handle(input: HookInput): Promise<HookOutcome> {
  const source = optionalString(input, 'source') ?? 'startup';
  return answer('SessionStart', await startSession(agentEvent(input), { source, envFile: process.env.CLAUDE_ENV_FILE, binary: process.argv[1] }));
}
