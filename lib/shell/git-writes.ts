// The git commands that write named files of the worktree: `checkout [<tree-ish>] -- paths`,
// `restore`, `rm`, `mv`, `apply` (the files its patch names). Commands that rewrite the worktree
// wholesale (`switch`, `checkout <branch>`, `reset --hard`, `stash`, `merge`) are not here: which
// files they touch is only known to git when it runs, and the commit guard still checks them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { locateRepo } from '../git/repo';
import { hasOption, optionValue, scanOptions, type ParsedOptions } from './options';
import { patchedPaths } from './patch-files';
import { copyTargets, filesOrTrees, pathOf, type Place, type Target } from './targets';
import type { Word } from './words';

/** `parsed.operands` includes what follows `--`; `pathspec` is that part alone (null without `--`). */
type GitWriter = (parsed: ParsedOptions, place: Place, pathspec: Word[] | null) => Target[];

const SUBCOMMANDS: Record<string, { short?: string; long?: string[]; writes: GitWriter }> = {
  checkout: { short: 'bB', long: ['orphan', 'conflict', 'pathspec-from-file'], writes: checkoutPaths },
  restore: {
    short: 's',
    long: ['source', 'conflict', 'pathspec-from-file'],
    // `--staged` alone changes only the index.
    writes: (parsed, place) => (hasOption(parsed, 'S', 'staged') && !hasOption(parsed, 'W', 'worktree') ? [] : filesOrTrees(place, parsed.operands)),
  },
  rm: { long: ['pathspec-from-file'], writes: (parsed, place) => (hasOption(parsed, 'cached', 'n', 'dry-run') ? [] : filesOrTrees(place, parsed.operands)) },
  mv: {
    writes: (parsed, place) =>
      hasOption(parsed, 'n', 'dry-run') ? [] : [...copyTargets(place, parsed.operands), ...filesOrTrees(place, parsed.operands.slice(0, -1))],
  },
  apply: { short: 'pC', long: ['directory', 'exclude', 'include', 'whitespace', 'build-fake-ancestor'], writes: applied },
};

/** What `git ARGS` would write in the worktree. */
export function gitTargets(args: readonly Word[], place: Place): Target[] {
  const global = scanOptions(args, { short: 'Cc', long: ['git-dir', 'work-tree', 'namespace', 'exec-path', 'config-env'], stopAtOperand: true });
  const [subcommand, ...rest] = global.operands;
  const name = subcommand?.value;
  if (!name || !Object.hasOwn(SUBCOMMANDS, name)) return [];
  const entry = SUBCOMMANDS[name]!;
  let at = place;
  for (const option of global.options) {
    if (option.name === 'C') at = { ...at, cwd: pathOf(at, { value: option.value, glob: false }) };
    // Another worktree or git dir: where the files go is git's business.
    if (option.name === 'git-dir' || option.name === 'work-tree') return [];
  }
  const separator = rest.findIndex((word) => word.value === '--');
  const pathspec = separator < 0 ? null : rest.slice(separator + 1);
  const parsed = scanOptions(separator < 0 ? rest : rest.slice(0, separator), { short: entry.short ?? '', long: entry.long ?? [] });
  return entry.writes({ ...parsed, operands: [...parsed.operands, ...(pathspec ?? [])] }, at, pathspec);
}

/** `git checkout -- paths` and `git checkout <tree-ish> -- paths`; without `--`, the operands that exist as files. */
function checkoutPaths(parsed: ParsedOptions, place: Place, pathspec: Word[] | null): Target[] {
  if (hasOption(parsed, 'b', 'B', 'orphan')) return [];
  if (pathspec !== null) return filesOrTrees(place, pathspec);
  return filesOrTrees(
    place,
    parsed.operands.filter((word) => {
      const path = pathOf(place, word);
      return path !== null && existsSync(path);
    }),
  );
}

function applied(parsed: ParsedOptions, place: Place): Target[] {
  if (hasOption(parsed, 'cached', 'check', 'stat', 'numstat', 'summary') && !hasOption(parsed, 'apply', 'index')) return [];
  if (place.cwd === null) return [];
  const repo = locateRepo(place.cwd);
  if (repo === null) return [];
  const strip = optionValue(parsed, 'p');
  const directory = optionValue(parsed, 'directory') ?? '';
  if (strip === null || directory === null) return [];
  const patches = parsed.operands.length > 0 ? parsed.operands : place.stdin === null ? [] : [place.stdin];
  return patches.flatMap((patch) => {
    const file = pathOf(place, patch);
    const paths = file === null ? null : patchedPaths(file, strip === undefined ? 1 : Number.parseInt(strip, 10) || 0);
    return (paths ?? []).map((path): Target => ({ path: join(repo.worktreeRoot, directory, path), scope: 'file', glob: false }));
  });
}
