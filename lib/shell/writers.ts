// The commands that write files, and which files each would write given its arguments. A command
// that is not here writes nothing agent-lease can know before it runs (a script, a compiler): the
// PostToolUse hook sees what it changed afterwards.
import { isAbsolute, resolve } from 'node:path';
import { gitTargets } from './git-writes';
import { hasOption, optionValue, scanOptions, type ParsedOptions } from './options';
import { patchedPaths } from './patch-files';
import { copyTargets, filesOrTrees, pathOf, target, type Place, type Target } from './targets';
import type { Word } from './words';

type Writer = (args: readonly Word[], place: Place) => Target[];

const BACKUP = ['suffix', 'target-directory', 'backup'];

const WRITERS: Record<string, Writer> = {
  tee: (args, place) => scanOptions(args, { long: ['output-error'] }).operands.flatMap((word) => target(place, word)),
  rm: (args, place) => filesOrTrees(place, scanOptions(args, {}).operands),
  unlink: (args, place) => target(place, scanOptions(args, {}).operands[0]),
  truncate: (args, place) => files(place, scanOptions(args, { short: 'sr', long: ['size', 'reference'] })),
  touch: (args, place) => files(place, scanOptions(args, { short: 'dtr', long: ['date', 'reference', 'time'] })),
  cp: (args, place) => copy(place, scanOptions(args, { short: 'tS', long: [...BACKUP, 'reflink', 'sparse'] })),
  install: (args, place) => {
    const parsed = scanOptions(args, { short: 'tSmogZ', long: [...BACKUP, 'mode', 'owner', 'group', 'context', 'strip-program'] });
    // `install -d` makes directories, which are not leased.
    return hasOption(parsed, 'd', 'directory') ? [] : copy(place, parsed);
  },
  mv: (args, place) => {
    const parsed = scanOptions(args, { short: 'tS', long: BACKUP });
    const sources = parsed.options.some((option) => option.name === 't' || option.name === 'target-directory') ? parsed.operands : parsed.operands.slice(0, -1);
    // A move also removes each source.
    return [...copy(place, parsed), ...filesOrTrees(place, sources)];
  },
  ln: (args, place) => {
    const parsed = scanOptions(args, { short: 'tS', long: BACKUP });
    // `ln -s TARGET` alone makes the link in the working directory, under the target's name.
    if (parsed.operands.length === 1 && !hasOption(parsed, 't', 'target-directory')) {
      return copy(place, { ...parsed, operands: [...parsed.operands, { value: '.', glob: false }] });
    }
    return copy(place, parsed);
  },
  rsync: (args, place) => {
    const parsed = scanOptions(args, {
      short: 'eBfTM',
      long: [
        'rsh',
        'exclude',
        'include',
        'filter',
        'temp-dir',
        'backup-dir',
        'suffix',
        'rsync-path',
        'partial-dir',
        'compare-dest',
        'copy-dest',
        'link-dest',
        'chmod',
        'chown',
        'log-file',
        'password-file',
        'port',
        'files-from',
        'exclude-from',
        'include-from',
        'out-format',
        'max-size',
        'min-size',
        'bwlimit',
        'timeout',
        'contimeout',
        'usermap',
        'groupmap',
        'info',
        'debug',
        'checksum-choice',
        'compress-choice',
      ],
    });
    const destination = parsed.operands.at(-1);
    if (destination === undefined || destination.value === null || isRemote(destination.value)) return [];
    // `src/` copies the directory's content; `--delete` may remove anything under the destination.
    if (
      hasOption(parsed, 'delete', 'delete-before', 'delete-during', 'delete-after', 'delete-delay', 'delete-excluded') ||
      parsed.operands.slice(0, -1).some((source) => source.value?.endsWith('/'))
    ) {
      return target(place, destination, 'tree');
    }
    return copyTargets(place, parsed.operands);
  },
  sed: (args, place) => {
    const parsed = scanOptions(args, { short: 'efl', shortAttached: 'i', long: ['expression', 'file', 'line-length'] });
    if (!hasOption(parsed, 'i', 'in-place')) return [];
    return scriptFiles(place, parsed, hasOption(parsed, 'e', 'f', 'expression', 'file'));
  },
  perl: (args, place) => inPlaceInterpreter(place, scanOptions(args, { short: 'eEMmIx', shortAttached: 'i0lCdD' })),
  ruby: (args, place) => inPlaceInterpreter(place, scanOptions(args, { short: 'erICF', shortAttached: 'i0lWxT' })),
  patch: (args, place) =>
    patch(
      place,
      scanOptions(args, {
        short: 'pioDdFrVBYzg',
        long: ['strip', 'input', 'output', 'directory', 'reject-file', 'suffix', 'prefix', 'basename-prefix', 'fuzz', 'ifdef', 'backup-if-mismatch'],
      }),
    ),
  git: (args, place) => gitTargets(args, place),
};

/** What the command `name` would write; null when it is not a command known to write. */
export function writesOf(name: string, args: readonly Word[], place: Place): Target[] | null {
  return Object.hasOwn(WRITERS, name) ? WRITERS[name]!(args, place) : null;
}

function files(place: Place, parsed: ParsedOptions): Target[] {
  return parsed.operands.flatMap((word) => target(place, word));
}

function copy(place: Place, parsed: ParsedOptions): Target[] {
  const targetDirectory = optionValue(parsed, 't', 'target-directory');
  return copyTargets(place, parsed.operands, {
    targetDirectory: targetDirectory === undefined ? undefined : { value: targetDirectory, glob: false },
    noTargetDirectory: hasOption(parsed, 'T', 'no-target-directory'),
  });
}

/** The files after the script operand (or all operands, when the script came with `-e`). */
function scriptFiles(place: Place, parsed: ParsedOptions, scriptInOption: boolean): Target[] {
  return parsed.operands.slice(scriptInOption ? 0 : 1).flatMap((word) => target(place, word));
}

function inPlaceInterpreter(place: Place, parsed: ParsedOptions): Target[] {
  return hasOption(parsed, 'i') ? scriptFiles(place, parsed, hasOption(parsed, 'e', 'E')) : [];
}

function patch(place: Place, parsed: ParsedOptions): Target[] {
  if (hasOption(parsed, 'dry-run', 'C', 'check')) return [];
  const directory = optionValue(parsed, 'd', 'directory');
  const at: Place = directory === undefined ? place : { ...place, cwd: pathOf(place, { value: directory, glob: false }) };
  const output = optionValue(parsed, 'o', 'output');
  if (output !== undefined) return target(at, { value: output, glob: false });
  const [original, patchOperand] = parsed.operands;
  if (original !== undefined) return target(at, original);
  const input = optionValue(parsed, 'i', 'input');
  const patchFile = input === undefined ? pathOf(place, patchOperand ?? place.stdin) : pathOf(place, { value: input, glob: false });
  const strip = optionValue(parsed, 'p', 'strip');
  if (patchFile === null || at.cwd === null || strip === null) return [];
  const paths = patchedPaths(patchFile, strip === undefined ? null : Number.parseInt(strip, 10) || 0);
  return (paths ?? []).map((path) => ({ path: isAbsolute(path) ? path : resolve(at.cwd!, path), scope: 'file', glob: false }));
}

function isRemote(destination: string): boolean {
  return destination.startsWith('rsync://') || /^[^/]*:/.test(destination);
}
