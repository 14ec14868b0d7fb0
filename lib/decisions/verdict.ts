// What agent-lease answers an agent's event, in no client's format: each client's adapter renders
// it (Claude Code: hooks/output.ts). There is no "allow": going ahead leaves the client's own
// permission rules in charge.

export interface Verdict {
  /** Set when the tool call must not run: the reason, written for the model. */
  deny?: string;
  /** What the model should know (a briefing, what a command changed). */
  modelContext?: string;
  /** What the person at the terminal should see. */
  userMessage?: string;
}

/** Go ahead, telling the user `warnings` (one per line) when there are any. */
export function goAhead(warnings: readonly string[] = []): Verdict {
  return warnings.length === 0 ? {} : { userMessage: warnings.join('\n') };
}
