/** Exit codes shared by the CLI, the guard and the hooks' callers. */
export const EXIT = { ok: 0, conflict: 1, usage: 2 } as const;

/**
 * An error meant for a person: its message is one line that says what is wrong and what to do.
 * Anything else that escapes is a bug and is reported as such.
 */
export class AgentLeaseError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'AgentLeaseError';
  }
}

export function describeError(error: unknown): string {
  if (error instanceof AgentLeaseError) return error.message;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
