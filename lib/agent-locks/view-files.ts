// What `.agent-locks/` holds: one generated JSON file per live lease, named after its holder and
// token, and the claims people drop there (JSON without a `token`).
//
// Anyone who can write to a worktree can plant things there: a symlink named like a lease file
// (to have a rewrite overwrite the file it points to, or copy a private file's content into the
// view), a FIFO named `*.json` (to hang every reader), the directory itself as a link elsewhere —
// also swapped in for the real directory between the view's check and its use —, a huge file. So
// the view follows no link: the directory is opened once, with O_DIRECTORY | O_NOFOLLOW, and every
// name in it is reached through that open directory (Linux's /proc/self/fd/N; elsewhere by its
// path, after checking that the path still leads to the directory opened), so a swap after the
// open changes nothing; it reads only regular files, opened with O_NOFOLLOW and O_NONBLOCK and
// checked again once open, up to MAX_FILE_BYTES; it writes a new file created with O_EXCL |
// O_NOFOLLOW and renames it into place (a rename replaces a link, it does not follow it); and it
// looks at no more than MAX_ENTRIES names.
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  opendirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { HeldLease, LeaseMode, LeaseSource } from '../core/lease-types';

export const VIEW_DIR = '.agent-locks';

/** A lease file is a few hundred bytes and a dropped claim a few lines: anything larger is not one. */
export const MAX_FILE_BYTES = 64 * 1024;
/** Names looked at per directory: far more than there are live leases, few enough to read in a hook. */
export const MAX_ENTRIES = 5000;

/** One generated file: a live lease. */
export interface ViewRecord {
  agent: string;
  session: string;
  token: number;
  task: string | null;
  files: string[];
  mode: LeaseMode;
  source: LeaseSource;
  started: string;
  ttl: string;
  /** A branch hold's branch and its commit when the hold began (`source: "branch"`). */
  branch?: string;
  commit?: string | null;
}

export function fileName(lease: HeldLease): string {
  const holder = lease.holder.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40) || 'session';
  return `${holder}.${lease.token}.json`;
}

/** What is at `dir`: nothing, a real directory, or something the view must not use (a link, a file). */
export function viewDirKind(dir: string): 'absent' | 'directory' | 'unusable' {
  const stat = lstatSync(dir, { throwIfNoEntry: false });
  if (stat === undefined) return 'absent';
  return stat.isDirectory() ? 'directory' : 'unusable';
}

/** An open `.agent-locks/`: its entries are reached through the directory opened, whatever its path leads to since. */
export interface ViewDir {
  /** The directory's path, for messages. */
  readonly path: string;
  /** The path that reaches `name` inside the directory opened. */
  entry(name: string): string;
  close(): void;
}

/** Whether a path through an open directory's descriptor reaches that directory (Linux). */
const BY_DESCRIPTOR = existsSync('/proc/self/fd');

/**
 * Opens `dir` (with `create`, making it first when absent; its parent exists); null when there is
 * nothing there or what is there is not a real directory (a link to one included).
 */
export function openViewDir(dir: string, options: { create?: boolean } = {}): ViewDir | null {
  if (options.create && viewDirKind(dir) === 'absent') {
    try {
      mkdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  const opened = fstatSync(fd);
  return {
    path: dir,
    entry(name) {
      if (BY_DESCRIPTOR) return `/proc/self/fd/${fd}/${name}`;
      const now = lstatSync(dir, { throwIfNoEntry: false });
      if (now === undefined || !now.isDirectory() || now.dev !== opened.dev || now.ino !== opened.ino) {
        throw new Error(`${dir} was replaced while agent-lease was using it`);
      }
      return join(dir, name);
    },
    close: () => closeSync(fd),
  };
}

/** Runs `use` on `dir` opened (see openViewDir); null when it cannot be. */
export async function withViewDir<T>(dir: string, options: { create?: boolean }, use: (view: ViewDir) => T | Promise<T>): Promise<T | null> {
  const view = openViewDir(dir, options);
  if (view === null) return null;
  try {
    return await use(view);
  } finally {
    view.close();
  }
}

/** The names of the regular `*.json` files in the directory (at most MAX_ENTRIES looked at). */
export function jsonFiles(view: ViewDir): string[] {
  let handle: ReturnType<typeof opendirSync>;
  try {
    handle = opendirSync(view.entry('.'));
  } catch {
    return [];
  }
  const names: string[] = [];
  try {
    for (let seen = 0, entry = handle.readSync(); entry !== null && seen < MAX_ENTRIES; seen++, entry = handle.readSync()) {
      if (entry.isFile() && entry.name.endsWith('.json') && !entry.name.startsWith('.')) names.push(entry.name);
    }
  } finally {
    handle.closeSync();
  }
  return names.sort();
}

/** The text of `name` when it is a regular file (not a link, FIFO or device) of at most MAX_FILE_BYTES; else null. */
export function readViewFile(view: ViewDir, name: string): string | null {
  let fd: number;
  try {
    fd = openSync(view.entry(name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) return null;
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length <= MAX_FILE_BYTES; length += read) read = readSync(fd, buffer, length, buffer.length - length, null);
    return length > MAX_FILE_BYTES ? null : buffer.toString('utf8', 0, length);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Puts `text` at `name` in one rename of a file this process created, whatever was at that name. */
export function writeViewFile(view: ViewDir, name: string, text: string): void {
  const temporary = view.entry(`.${name}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    writeSync(fd, text);
  } catch (error) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temporary, view.entry(name));
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Removes the entry `name` itself (a link is removed, not what it points to). */
export function removeViewFile(view: ViewDir, name: string): void {
  try {
    unlinkSync(view.entry(name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

export function isGeneratedRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { token?: unknown }).token === 'number';
}

export function isGeneratedFile(view: ViewDir, name: string): boolean {
  const text = readViewFile(view, name);
  if (text === null) return false;
  try {
    return isGeneratedRecord(JSON.parse(text));
  } catch {
    return false;
  }
}
