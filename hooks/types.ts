/** The event JSON Claude Code writes on a hook's stdin; every field is checked before use. */
export type HookInput = Record<string, unknown>;

/**
 * What a hook answers. Exit 0 with JSON on stdout (or nothing) is the normal way; exit 2 blocks
 * with stderr as the reason; any other code is a non-blocking error shown to the user.
 */
export interface HookOutcome {
  exitCode?: 0 | 1 | 2;
  stdout?: string;
  stderr?: string;
}
