// The JSON answers a hook gives Claude Code on stdout (exit 0). A hook that has nothing to say
// prints nothing; agent-lease never answers `permissionDecision: "allow"`, which would skip the
// user's own permission prompts.
import type { Verdict } from '../lib/decisions/verdict';
import type { HookOutcome } from './types';

type ContextEvent = 'SessionStart' | 'SubagentStart' | 'UserPromptSubmit' | 'PreToolUse' | 'PostToolUse' | 'PostToolUseFailure';

const CONTEXT_EVENTS: ReadonlySet<string> = new Set<ContextEvent>([
  'SessionStart',
  'SubagentStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PostToolUse',
  'PostToolUseFailure',
]);

/** A decision's verdict as this event's answer (Stop, SubagentStop, SessionEnd and WorktreeRemove carry nothing to the model). */
export function answer(event: ContextEvent | 'Stop' | 'SubagentStop' | 'SessionEnd' | 'WorktreeRemove', verdict: Verdict): HookOutcome {
  if (verdict.deny !== undefined) return denyToolUse(verdict.deny, verdict.userMessage);
  if (verdict.modelContext !== undefined) {
    if (!CONTEXT_EVENTS.has(event)) throw new Error(`${event} cannot carry context to the model`);
    return addContext(event as ContextEvent, verdict.modelContext, verdict.userMessage);
  }
  if (verdict.userMessage !== undefined) return tellUser(verdict.userMessage);
  return {};
}

/** Blocks the tool call; the reason goes to the model, the optional message to the user. */
export function denyToolUse(reason: string, systemMessage?: string): HookOutcome {
  return json({ systemMessage, hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } });
}

/** Adds `text` to the model's context; the optional message is shown to the user. */
export function addContext(event: ContextEvent, text: string, systemMessage?: string): HookOutcome {
  return json({ systemMessage, hookSpecificOutput: { hookEventName: event, additionalContext: text } });
}

/** A message shown to the user only. */
export function tellUser(systemMessage: string): HookOutcome {
  return json({ systemMessage });
}

function json(answer: Record<string, unknown>): HookOutcome {
  return { exitCode: 0, stdout: `${JSON.stringify(answer)}\n` };
}
