// The files a patch changes, read from its headers (`--- a/x`, `+++ b/x`, `diff --git a/x b/x`),
// for `git apply` and `patch`: both sides, so that a rename or a deletion counts too.
import { readText } from '../util/files';

/**
 * The paths named in the patch file, with `strip` leading components removed (`-p1`); null when
 * the file cannot be read. `strip` null: `patch` without `-p` (git-style patches lose `a/` and
 * `b/`, others keep only the file's name).
 */
export function patchedPaths(patchFile: string, strip: number | null): string[] | null {
  const text = readText(patchFile);
  if (text === null) return null;
  const gitStyle = /^diff --git /m.test(text);
  const paths = new Set<string>();
  for (const line of text.split('\n')) {
    const name = headerPath(line);
    if (name === null || name === '/dev/null') continue;
    const stripped = strip === null ? (gitStyle ? stripComponents(name, 1) : (name.split('/').pop() ?? '')) : stripComponents(name, strip);
    if (stripped !== '') paths.add(stripped);
  }
  return [...paths];
}

function headerPath(line: string): string | null {
  if (!line.startsWith('--- ') && !line.startsWith('+++ ')) return null;
  // A tab separates the name from a timestamp in `diff -u` output.
  const name = line.slice(4).split('\t')[0]!.trim();
  return name.startsWith('"') ? null : name;
}

function stripComponents(path: string, count: number): string {
  return path
    .split('/')
    .filter((part) => part !== '')
    .slice(count)
    .join('/');
}
