// The worktrees a session works in outside its cwd. Edits and shell writes find their repository
// from the file (a session started in the folder that holds the worktrees, or in another
// repository, is registered and holds leases in the file's store), but the events that name no
// file (a Bash command's aftermath, Stop, SessionEnd) have only the cwd to go by. So when a session
// is registered in a worktree its cwd is not inside, that worktree is noted here, for those events
// to visit too: one small file per session under the user's state directory, lines appended (an
// append of one short line is atomic, so concurrent hooks of a session never lose one), read only
// by the events that need it, and removed when the session ends. A session that crashed never
// ends: its file is removed at a later SessionStart once nothing has used it for longer than a
// lease of any kind can last (reading a file marks it used).
import { appendFileSync, lstatSync, mkdirSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, isAbsolute, join, relative } from 'node:path';
import { isDirectory, readText } from '../util/files';

const MAX_WORKTREES = 64;
/** Files looked at by one sweep, so that a directory someone filled never slows a SessionStart down much. */
const MAX_SWEPT = 500;
const SUFFIX = '.worktrees';

function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'agent-lease', 'sessions');
}

function fileOf(sessionId: string): string {
  return join(stateDir(), `${sessionId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 128)}${SUFFIX}`);
}

/** Whether `dir` is `root` or inside it. */
export function isInside(dir: string, root: string): boolean {
  const rel = relative(root, dir);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Notes that the session works in `worktree`, outside its cwd. */
export function noteWorktree(sessionId: string, worktree: string): void {
  mkdirSync(stateDir(), { recursive: true, mode: 0o700 });
  appendFileSync(fileOf(sessionId), `${JSON.stringify(worktree)}\n`, { mode: 0o600 });
}

/** The worktrees noted for the session that are still there, each once. */
export function notedWorktrees(sessionId: string): string[] {
  const file = fileOf(sessionId);
  const text = readText(file);
  if (text === null) return [];
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // Only its sweep comes sooner.
  }
  const worktrees = new Set<string>();
  for (const line of text.split('\n')) {
    try {
      const worktree = JSON.parse(line) as unknown;
      if (typeof worktree === 'string' && isAbsolute(worktree)) worktrees.add(worktree);
    } catch {
      // A line cut short by a full disk: the others still count.
    }
  }
  return [...worktrees].slice(0, MAX_WORKTREES).filter(isDirectory);
}

export function forgetWorktrees(sessionId: string): void {
  rmSync(fileOf(sessionId), { force: true });
}

/** Removes the files of sessions (other than `keepSessionId`) that nothing has used for `maxAgeMs`. */
export function forgetStaleWorktrees(maxAgeMs: number, keepSessionId: string, now = Date.now()): void {
  const dir = stateDir();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const keep = basename(fileOf(keepSessionId));
  for (const name of names.slice(0, MAX_SWEPT)) {
    if (!name.endsWith(SUFFIX) || name === keep) continue;
    const file = join(dir, name);
    try {
      if (now - lstatSync(file).mtimeMs > maxAgeMs) rmSync(file, { force: true });
    } catch {
      // Gone already, or not ours to remove: the next sweep tries again.
    }
  }
}
