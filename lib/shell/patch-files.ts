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

/** The files a patch in Codex's `apply_patch` format changes, in the order it names them. */
export interface ApplyPatchFile {
  path: string;
  action: 'add' | 'update' | 'delete' | 'move';
}

// `*** Update File: a` followed by `*** Move to: b` renames a to b: both count (a is deleted).
const APPLY_PATCH_HEADER = /^\*\*\* (Add File|Update File|Delete File|Move to): (.*)$/;
const ACTIONS: Record<string, ApplyPatchFile['action']> = { 'Add File': 'add', 'Update File': 'update', 'Delete File': 'delete', 'Move to': 'move' };

/**
 * Every path an `apply_patch` patch names (`*** Begin Patch` … `*** End Patch`), as the model
 * wrote it (relative to the session's cwd, or absolute). Header lines are recognised only outside
 * a hunk's content: a hunk line starts with a space, `+`, `-` or `@@`, so `+*** Add File: x` is
 * text being added, not a header.
 */
export function applyPatchFiles(patch: string): ApplyPatchFile[] {
  const files: ApplyPatchFile[] = [];
  for (const raw of patch.split('\n')) {
    const match = APPLY_PATCH_HEADER.exec(raw.replace(/\r$/, ''));
    if (match === null) continue;
    const path = match[2]!.trim();
    if (path !== '') files.push({ path, action: ACTIONS[match[1]!]! });
  }
  return files;
}
