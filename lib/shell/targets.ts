// What a command would write, as absolute paths: one file, a whole directory tree (`rm -r dir`), or
// a glob the shell expands (`rm src/*.ts`, checked as the pattern it is).
import { basename, isAbsolute, join, resolve } from 'node:path';
import { isDirectory } from '../util/files';
import type { Word } from './words';

export interface Target {
  /** Absolute; a pattern when `glob`. */
  path: string;
  /** `tree`: the path may be a directory, and everything under it is written. */
  scope: 'file' | 'tree';
  glob: boolean;
}

/** Where a command runs: its working directory (null once a `cd` went somewhere unknown) and what its stdin was redirected from. */
export interface Place {
  cwd: string | null;
  stdin: Word | null;
}

/** The absolute path a word names, or null when it cannot be known before the command runs. */
export function pathOf(place: Place, word: Word | null | undefined): string | null {
  const value = word?.value;
  if (value === null || value === undefined || value === '') return null;
  if (isAbsolute(value)) return resolve(value);
  return place.cwd === null ? null : resolve(place.cwd, value);
}

export function target(place: Place, word: Word | null | undefined, scope: Target['scope'] = 'file'): Target[] {
  const path = pathOf(place, word);
  return path === null ? [] : [{ path, scope, glob: word!.glob }];
}

/** Each word as a target: a tree when it names a directory. */
export function filesOrTrees(place: Place, words: readonly Word[]): Target[] {
  return words.flatMap((word) => {
    const path = pathOf(place, word);
    return path === null ? [] : [{ path, scope: !word.glob && isDirectory(path) ? 'tree' : 'file', glob: word.glob }];
  });
}

export interface CopyDestination {
  /** `-t DIR`: every operand is a source. */
  targetDirectory?: Word | null | undefined;
  /** `-T`: the destination is never taken as a directory. */
  noTargetDirectory?: boolean;
}

/**
 * Where `cp`/`mv`/`install`/`ln`/`rsync` put each source: into the destination directory under the
 * source's name (when there is a `-t`, several sources, or the destination is an existing directory),
 * else the destination itself. A directory source writes a tree.
 */
export function copyTargets(place: Place, operands: readonly Word[], options: CopyDestination = {}): Target[] {
  const into = options.targetDirectory !== undefined;
  const sources = into ? operands : operands.slice(0, -1);
  const destination = into ? options.targetDirectory : operands.at(-1);
  const destinationPath = pathOf(place, destination);
  if (destinationPath === null || (sources.length === 0 && !into)) return [];
  const isSourceTree = (source: Word): boolean => {
    const path = pathOf(place, source);
    return path !== null && !source.glob && (isDirectory(path) || source.value!.endsWith('/'));
  };
  const asDirectory = into || sources.length > 1 || (!options.noTargetDirectory && (isDirectory(destinationPath) || destination!.value!.endsWith('/')));
  if (!asDirectory) return [{ path: destinationPath, scope: sources.some(isSourceTree) ? 'tree' : 'file', glob: false }];
  return sources.flatMap((source): Target[] => {
    if (source.value === null) return [];
    const name = basename(source.value);
    return [{ path: join(destinationPath, name), scope: isSourceTree(source) ? 'tree' : 'file', glob: source.glob }];
  });
}
