// Which of an event's code paths this hook call ran, for the code cache (hooks/load.ts): a cache
// made by one kind of call lacks the functions another kind compiles, so a call of a kind the
// cache has not seen yet has it rewritten with both. The Bash path of PreToolUse is its own kind.
const ran = new Set<string>();

export function noteCodePath(name: string): void {
  ran.add(name);
}

/** What this call ran: `default`, or the kinds noted. */
export function codePathsRun(): string[] {
  return ran.size === 0 ? ['default'] : [...ran];
}
