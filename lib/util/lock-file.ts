// A lock between processes for work that is short and synchronous (installing the commit guard at
// session start, when several sessions may start at once): a file created with O_EXCL holding the
// owner's pid. A waiter polls for a bounded time; a lock whose owner is gone is taken over.
// (proper-lockfile has no waiting in its synchronous API.)
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { AgentLeaseError } from './errors';

const POLL_MS = 20;
const UNWRITTEN_LOCK_MS = 2_000;
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

/** Runs `work` holding the lock file `path`, waiting at most `waitMs` for another holder. */
export function withLockFile<T>(path: string, work: () => T, waitMs = 10_000): T {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const fd = tryCreate(path);
    if (fd !== null) {
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      try {
        return work();
      } finally {
        unlinkSync(path);
      }
    }
    if (ownerIsGone(path)) {
      removeStale(path);
      continue;
    }
    if (Date.now() >= deadline) throw new AgentLeaseError(`${path} is held by another process (pid ${readOwner(path) ?? '?'}) for more than ${waitMs / 1000}s`);
    Atomics.wait(SLEEPER, 0, 0, POLL_MS);
  }
}

function tryCreate(path: string): number | null {
  try {
    return openSync(path, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw error;
  }
}

function readOwner(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Whether the lock's owner no longer runs. A lock with no pid is being written, unless it is older
 * than a moment: its creator was killed between creating and writing it.
 */
function ownerIsGone(path: string): boolean {
  const pid = readOwner(path);
  if (pid === null) return ageMs(path) > UNWRITTEN_LOCK_MS;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function removeStale(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Another waiter removed it first.
  }
}
