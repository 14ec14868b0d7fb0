// Tests that play an unprivileged user (root ignores file permissions, so a read-only store can
// only be tested as someone else) run the compiled binary as that user. Where the checkout sits
// under a directory others cannot enter (a private temporary directory, as a CI clone may be),
// they run a world-readable copy of the installed package instead: the same compiled code.
import { chmodSync, cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';

const PROJECT = join(__dirname, '..', '..');
const BIN_IN_PACKAGE = join('dist', 'bin', 'agent-lease.js');
/** Development-only packages a running agent-lease never loads. */
const NOT_NEEDED = new Set(['@anthropic-ai', '@esbuild', '@img', '@types', 'esbuild', 'typescript', 'tsx', 'fast-check']);

let copy: string | undefined;

/** The compiled binary, at a path every user can read. */
export function readableBin(): string {
  if (othersCanReach(PROJECT)) return join(PROJECT, BIN_IN_PACKAGE);
  if (copy === undefined) {
    copy = mkdtempSync(join(tmpdir(), 'agent-lease-readable-'));
    chmodSync(copy, 0o755);
    cpSync(join(PROJECT, 'dist'), join(copy, 'dist'), { recursive: true });
    cpSync(join(PROJECT, 'package.json'), join(copy, 'package.json'));
    cpSync(join(PROJECT, 'node_modules'), join(copy, 'node_modules'), {
      recursive: true,
      filter: (source) => {
        const inside = source.slice(join(PROJECT, 'node_modules').length + 1).split(sep);
        if (NOT_NEEDED.has(inside[0]!)) return false;
        // Of better-sqlite3's build, only the compiled addon is loaded.
        if (inside[0] !== 'better-sqlite3' || inside.length === 1 || inside[1] === 'package.json' || inside[1] === 'lib') return true;
        const built = ['build', 'Release', 'better_sqlite3.node'];
        return inside.slice(1).every((part, i) => part === built[i]);
      },
    });
    const made = copy;
    process.on('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return join(copy, BIN_IN_PACKAGE);
}

/** Whether a user other than the owner can enter every directory down to `dir`. */
function othersCanReach(dir: string): boolean {
  for (let current = dir; ; current = dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) return false;
    if (dirname(current) === current) return true;
  }
}
