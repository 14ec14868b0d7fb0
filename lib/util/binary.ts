// Where agent-lease's own binary is looked for. Three lookups must agree: the Claude Code hook
// command (lib/claude/hook-commands.ts), the commit guard's shell block (lib/guard/script.ts) and
// `resolveHookBinary` (lib/claude/inspect.ts), which tells `init` and `doctor` from TypeScript what
// the hook command would run. test/binary-lookup.test.ts runs all three and checks that they pick
// the same file.
//
// A fresh `git worktree add` has no node_modules of its own, so after the worktree's install comes
// the main worktree's (the parent of git's common directory), then PATH; never npx, which may
// reach the network or prompt.
import { basename, delimiter, dirname, join } from 'node:path';

export const BINARY_NAME = 'agent-lease';

/** The folder a project that depends on agent-lease has the binary in, relative to a worktree. */
export const INSTALLED_BINARY_DIR = 'node_modules/.bin';

/** The binary of a project that depends on agent-lease, relative to a worktree. */
export const INSTALLED_BINARY = `${INSTALLED_BINARY_DIR}/${BINARY_NAME}`;

/** The places looked in, first to last. */
export const BINARY_LOOKUP_ORDER = ['worktree', 'main worktree', 'PATH'] as const;

export type BinaryPlace = (typeof BINARY_LOOKUP_ORDER)[number];

/** The shell's PATH lookup (a command substitution: quote it or not, as the assignment needs). */
export const SHELL_PATH_LOOKUP = `$(command -v ${BINARY_NAME})`;

/** What each place holds (paths, shell words, ...), in lookup order. */
export function inLookupOrder<T>(places: Record<BinaryPlace, readonly T[]>): T[] {
  return BINARY_LOOKUP_ORDER.flatMap((place) => places[place]);
}

/**
 * The files to try, in order, for a session or commit in `worktreeRoot` whose main worktree is
 * `mainWorktreeRoot` (null when git cannot say), with `pathVariable` as PATH.
 */
export function binaryCandidates(worktreeRoot: string, mainWorktreeRoot: string | null, pathVariable: string | undefined): string[] {
  return inLookupOrder({
    worktree: [join(worktreeRoot, INSTALLED_BINARY)],
    'main worktree': mainWorktreeRoot === null ? [] : [join(mainWorktreeRoot, INSTALLED_BINARY)],
    PATH: (pathVariable ?? '').split(delimiter).flatMap((dir) => (dir === '' ? [] : [join(dir, BINARY_NAME)])),
  });
}

/**
 * The shell statements that set `variable` to the first executable candidate: each place's words
 * (a path or a command substitution, quoted as the caller wants it in an assignment) are tried in
 * lookup order, the last one being the PATH lookup, whose failure runs `ifNone`.
 */
export function shellBinaryLookup(variable: string, places: Record<BinaryPlace, readonly string[]>, ifNone: string): string[] {
  const words = inLookupOrder(places);
  return words.map((word, index) => {
    const assignment = `${variable}=${word}`;
    const step = index === 0 ? assignment : `[ -x "$${variable}" ] || ${assignment}`;
    return index === words.length - 1 ? `${step} || ${ifNone}` : step;
  });
}

/**
 * The directory to put first on the PATH of an agent's shell so that plain `agent-lease` runs
 * `binary` (the file this process was started as), or null when it is there already or when the
 * file is not called `agent-lease` (a development build run as `node dist/bin/agent-lease.js`).
 */
export function binaryDirToExport(binary: string | undefined, pathVariable: string | undefined): string | null {
  if (binary === undefined || basename(binary) !== BINARY_NAME) return null;
  const dir = dirname(binary);
  return (pathVariable ?? '').split(delimiter).includes(dir) ? null : dir;
}
