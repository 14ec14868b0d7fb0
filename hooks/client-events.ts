// What the adapters of clients other than Claude Code share: the hook input as an AgentEvent of
// that client, and the edit decision over every file one tool call writes (a Codex patch names
// several). Each decision module is loaded only by the event that uses it.
import type { AgentEvent } from '../lib/decisions/context';
import type { Verdict } from '../lib/decisions/verdict';
import { optionalString, requiredString } from './input';
import type { Handler } from './run';
import type { HookInput, HookOutcome } from './types';

/** An event's handler, for a client's table of handlers. */
export const handler =
  (handle: (input: HookInput) => Promise<HookOutcome>): (() => Handler) =>
  () => ({ handle });

/** `runtime` names the client in the store and in `status`: `codex`, `gemini-cli`, `opencode`. */
export function clientEvent(input: HookInput, runtime: string): AgentEvent {
  return { sessionId: requiredString(input, 'session_id'), cwd: optionalString(input, 'cwd'), runtime };
}

/** The edit decision for each file (`field` names where it came from); one denial names every file held. */
export async function decideEdits(event: AgentEvent, files: Array<{ path: string; field: string }>): Promise<Verdict> {
  const { decideEdit } = require('../lib/decisions/edit') as typeof import('../lib/decisions/edit');
  const verdicts: Verdict[] = [];
  for (const file of files) verdicts.push(await decideEdit(event, file.path, file.field));
  const denials = verdicts.flatMap((verdict) => (verdict.deny === undefined ? [] : [verdict.deny]));
  const messages = [...new Set(verdicts.flatMap((verdict) => (verdict.userMessage === undefined ? [] : [verdict.userMessage])))];
  return {
    ...(denials.length > 0 ? { deny: denials.join('\n\n') } : {}),
    ...(messages.length > 0 ? { userMessage: messages.join('\n') } : {}),
  };
}

export async function beforeShell(event: AgentEvent, command: string): Promise<Verdict> {
  const { beforeShellCommand } = require('../lib/decisions/shell-writes') as typeof import('../lib/decisions/shell-writes');
  return await beforeShellCommand(event, command);
}

export async function afterShell(event: AgentEvent): Promise<Verdict> {
  const { afterShellCommand } = require('../lib/decisions/shell-changes') as typeof import('../lib/decisions/shell-changes');
  return await afterShellCommand(event);
}

/** Session start without an environment file: the commit guard knows the session by its agent process. */
export async function sessionStart(event: AgentEvent, input: HookInput): Promise<Verdict> {
  const { startSession } = require('../lib/decisions/session-start') as typeof import('../lib/decisions/session-start');
  return await startSession(event, { source: optionalString(input, 'source') ?? 'startup' });
}

export async function turnEnd(event: AgentEvent): Promise<Verdict> {
  const { endTurn } = require('../lib/decisions/turn-end') as typeof import('../lib/decisions/turn-end');
  return await endTurn(event);
}

export async function sessionEnd(event: AgentEvent, input: HookInput): Promise<Verdict> {
  const { endAgentSession } = require('../lib/decisions/session-end') as typeof import('../lib/decisions/session-end');
  return await endAgentSession(event, optionalString(input, 'reason') ?? 'other');
}
