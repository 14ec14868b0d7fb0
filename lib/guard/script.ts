// The shell text the commit guard is installed as: a block appended to husky's script of each
// guarded git hook, or a whole hook file in the hooks directory that runs the block and then the
// hook it replaced. Which hooks, and why these, is in docs/guard.md ("Every way git commits").
//
// The block finds the agent-lease binary without npx or network: this worktree's node_modules,
// the main worktree's (a fresh `git worktree add` has none of its own), then PATH, in the order of
// lib/util/binary.ts (a hook runs at the top of its worktree, hence `./`). When the
// repository has no agent-lease store (nor a directory for one), agent-lease was never used in
// this clone and nothing can be held, so the block passes without looking for the binary (a
// teammate who never installed agent-lease is not blocked by a committed `.husky/pre-commit`). With a store but no runnable
// binary it refuses the commit, saying how to fix it: a guard that cannot run must not pass in
// silence. A person is also told how to bypass it (AGENT_LEASE_BYPASS=1 costs one retry); an agent
// is told to stop and tell the user, never handed the bypass. Without the binary the block can tell
// an agent only by what Claude Code puts in the environment of its Bash tool's commands (the
// variables lib/guard/decision.ts's isAgentEnvironment reads first).

import { INSTALLED_BINARY, INSTALLED_BINARY_DIR, SHELL_PATH_LOOKUP, shellBinaryLookup } from '../util/binary';

const BEGIN = '# agent-lease guard: begin';
const END = '# agent-lease guard: end';
const CREATED_FILE = '[created this file]';
const ADDED_NEWLINE = '[added the newline above]';

/** The first line after the shebang of a whole hook file written by agent-lease. */
export const HOOK_HEADER = '# agent-lease guard hook';

/** The name the replaced hook is kept under, next to ours, until uninstall puts it back. */
export const CHAINED_SUFFIX = '.agent-lease-chained';

/** The git hooks the guard runs in: between them, every way git 2.39 makes a commit. */
export const GUARDED_HOOKS = ['pre-commit', 'pre-merge-commit', 'pre-applypatch', 'prepare-commit-msg'] as const;

export type GuardedHook = (typeof GUARDED_HOOKS)[number];

/** The commands whose commits each hook checks, for messages. */
export const COMMITS_CHECKED_BY: Record<GuardedHook, string> = {
  'pre-commit': 'git commit',
  'pre-merge-commit': 'git merge',
  'pre-applypatch': 'git am',
  'prepare-commit-msg': 'git cherry-pick, git revert and git rebase',
};

/**
 * Whether git's sequencer is at work: a cherry-pick, a revert or a rebase is running or stopped (a
 * single revert leaves only its AUTO_MERGE, with no MERGE_HEAD). Its own commits run only
 * prepare-commit-msg; a `git commit` that finishes a stopped one (after a conflict) runs pre-commit
 * and prepare-commit-msg. So while it is at work prepare-commit-msg checks every commit and
 * pre-commit none: each commit is checked once, the same way whichever command makes it, and
 * `--no-verify` (which skips pre-commit only) cannot skip it, as it cannot skip a clean
 * cherry-pick's. Otherwise pre-commit checks `git commit` and prepare-commit-msg nothing.
 */
const IN_SEQUENCER = `{ [ -e "$gitdir/CHERRY_PICK_HEAD" ] || [ -e "$gitdir/REVERT_HEAD" ] || [ -d "$gitdir/rebase-merge" ] || [ -d "$gitdir/sequencer" ] ||
    { [ -e "$gitdir/AUTO_MERGE" ] && [ ! -e "$gitdir/MERGE_HEAD" ]; }; }`;

/** The statements that leave the commit to the other hook when that one checks it (first in prepare-commit-msg, which most commits leave at once). */
function handOff(hook: GuardedHook): string {
  if (hook === 'prepare-commit-msg') return `gitdir=$(git rev-parse --absolute-git-dir) || exit 1\n  ${IN_SEQUENCER} || exit 0\n  `;
  if (hook === 'pre-commit') return `gitdir=$(git rev-parse --absolute-git-dir) || exit 1\n  ! ${IN_SEQUENCER} || exit 0\n  `;
  return '';
}

/** The environment of a command run by Claude Code's Bash tool (or any of its descendants). */
const UNDER_AGENT = `[ -n "\${CLAUDE_CODE_SESSION_ID-}\${CLAUDE_PID-}\${CLAUDECODE-}" ]`;

/** Sets `run` to the binary, or to nothing when there is none. */
const LOOKUP = shellBinaryLookup(
  'run',
  { worktree: [`./${INSTALLED_BINARY}`], 'main worktree': [`\${common%/*}/${INSTALLED_BINARY}`], PATH: [SHELL_PATH_LOOKUP] },
  'run=',
);

const blockBody = (hook: GuardedHook): string => `(
  ${hook === 'prepare-commit-msg' ? handOff(hook) : ''}common=$(git rev-parse --path-format=absolute --git-common-dir) || exit 1
  db=\${AGENT_LEASE_DB:-$common/agent-lease/state.db}
  # No store and none was ever created: agent-lease was never used here. (A store's marker without
  # the store is a store deleted since: the guard says so.) Unless a store elsewhere is named (team
  # mode): git runs the hook at the worktree's top, where .agent-lease.json is.
  [ -e "$db" ] || [ -e "$db.created" ] || [ -n "\${AGENT_LEASE_STORE-}" ] || grep -qs '"store"' .agent-lease.json || exit 0
  ${hook === 'prepare-commit-msg' ? '' : handOff(hook)}${LOOKUP.join('\n  ')}
  if [ -n "$run" ]; then
    # The guard opens no network connection: spare node parsing a CA bundle at startup (~30 ms).
    unset NODE_EXTRA_CA_CERTS
    "$run" guard
    status=$?
    if [ "$status" -ne 126 ] && [ "$status" -ne 127 ]; then exit "$status"; fi
    problem="$run could not be started (exit $status; is node on PATH?)"
  else
    problem="no agent-lease binary in ./${INSTALLED_BINARY_DIR}, \${common%/*}/${INSTALLED_BINARY_DIR} or PATH"
  fi
  if [ "\${AGENT_LEASE_BYPASS-}" = 1 ]; then
    echo "agent-lease guard: $problem; AGENT_LEASE_BYPASS=1, so this commit goes through unchecked and unlogged" >&2
    exit 0
  fi
  echo "agent-lease guard: commit refused: the guard cannot run: $problem." >&2
  if ${UNDER_AGENT}; then
    echo "  This commit runs in an agent's session: do not try to commit another way. Stop and tell the user that agent-lease must be installed here (npm install, or npm install -g agent-lease), then ask them how to proceed." >&2
  else
    echo "  Fix: npm install (or npm install -g agent-lease). Commit anyway: the same git command with AGENT_LEASE_BYPASS=1${hook === 'prepare-commit-msg' ? '' : ' (or --no-verify)'}." >&2
  fi
  exit 1
) || exit $?
`;

/** The block to append to a shell hook, with what uninstall needs to know to undo it exactly. */
export function guardBlock(hook: GuardedHook = 'pre-commit', flags: { createdFile?: boolean; addedNewline?: boolean } = {}): string {
  const marks = [flags.createdFile ? CREATED_FILE : '', flags.addedNewline ? ADDED_NEWLINE : ''].filter(Boolean).join(' ');
  const begin = `${BEGIN} (added by "agent-lease init"; "agent-lease uninstall" removes it)${marks ? ` ${marks}` : ''}`;
  return `${begin}\n${blockBody(hook)}${END}\n`;
}

/** `text` with the guard block appended (or brought up to date); unchanged when it is current. */
export function withGuardBlock(text: string | null, hook: GuardedHook): string {
  if (text !== null) {
    const found = findBlock(text);
    if (found !== null) {
      const current = guardBlock(hook, { createdFile: found.createdFile, addedNewline: found.addedNewline });
      return text.slice(0, found.start) + current + text.slice(found.end);
    }
  }
  if (text === null) return guardBlock(hook, { createdFile: true });
  const addedNewline = text !== '' && !text.endsWith('\n');
  return `${text}${addedNewline ? '\n' : ''}${guardBlock(hook, { addedNewline })}`;
}

/**
 * `text` with the guard block taken out exactly as it was put in; `null` when the block had
 * created the file and nothing else was added since (the file should go).
 */
export function withoutGuardBlock(text: string): string | null {
  const found = findBlock(text);
  if (found === null) return text;
  const start = found.addedNewline && text[found.start - 1] === '\n' ? found.start - 1 : found.start;
  const rest = text.slice(0, start) + text.slice(found.end);
  return found.createdFile && rest === '' ? null : rest;
}

export function hasGuardBlock(text: string | null): boolean {
  return text !== null && findBlock(text) !== null;
}

/** A whole hook file: the guard, then the hook it replaced, if any, with the same arguments. */
export function hookScript(hook: GuardedHook): string {
  return [
    '#!/bin/sh',
    `${HOOK_HEADER}: installed by "agent-lease init"; "agent-lease uninstall" removes it and puts back`,
    `# the hook it replaced, kept meanwhile as ${hook}${CHAINED_SUFFIX} and run after the guard.`,
    guardBlock(hook).trimEnd(),
    `chained="$(dirname "$0")/${hook}${CHAINED_SUFFIX}"`,
    'if [ -x "$chained" ]; then exec "$chained" "$@"; fi',
    '',
  ].join('\n');
}

export function isGuardHook(text: string | null): boolean {
  return text?.split('\n', 3).some((line) => line.startsWith(HOOK_HEADER)) ?? false;
}

function findBlock(text: string): { start: number; end: number; createdFile: boolean; addedNewline: boolean } | null {
  const start = text.startsWith(BEGIN) ? 0 : text.indexOf(`\n${BEGIN}`) + 1;
  if (start === 0 && !text.startsWith(BEGIN)) return null;
  const endLine = text.indexOf(`\n${END}`, start);
  if (endLine === -1) return null;
  const afterEnd = text.indexOf('\n', endLine + 1 + END.length);
  const end = afterEnd === -1 ? text.length : afterEnd + 1;
  const beginLine = text.slice(start, text.indexOf('\n', start));
  return { start, end, createdFile: beginLine.includes(CREATED_FILE), addedNewline: beginLine.includes(ADDED_NEWLINE) };
}
