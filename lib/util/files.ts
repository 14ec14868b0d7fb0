// Small file-system helpers shared by the modules that read and write files of their own.
import { accessSync, chmodSync, constants, lstatSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The file's text, or null when it cannot be read (missing, a directory, no permission). */
export function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

export function isDirectory(path: string): boolean {
  try {
    // Mostly asked of a file about to be made: no exception for a path that is not there.
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

/**
 * Replaces `file` in one rename, so that a reader sees the old text or the new, never half of it;
 * with `mode`, the new file has it (set before the rename: never a moment without it).
 */
export function writeAtomically(file: string, text: string, mode?: number): void {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(temporary, text);
  if (mode !== undefined) chmodSync(temporary, mode);
  renameSync(temporary, file);
}

/** Whether this process may access `path` in `mode` (`constants.R_OK | constants.W_OK`, ...). */
export function isAccessible(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

export function isExecutable(file: string): boolean {
  return isAccessible(file, constants.X_OK);
}

/** Whether anything, even a dangling symlink, is at `path`. */
export function existsEntry(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}

/** The file's JSON, or null when it cannot be read or parsed. */
export function readJson(file: string): unknown {
  const text = readText(file);
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
