// The integration branch and what reached it. A change counts as integrated by content and patch
// identity, not only by ancestry: after a squash merge or a rebase merge the branch's commits are
// not ancestors of the integration branch, yet its change to the file is there. Only local refs
// are read: agent-lease never fetches.
import { git } from './run';

/** The all-zero id git's raw diff gives a file that does not exist on one side. */
const NO_BLOB = '0'.repeat(40);

/**
 * The ref work is merged into: `configured` (a branch, or a remote-tracking name like
 * `origin/main`) when given and it resolves; else the remote's default branch (`origin/HEAD`);
 * else `main`, else `master`; else the main worktree's branch. Null when none resolves. One git
 * call in the usual case.
 */
export function integrationRef(dir: string, configured: string | null): string | null {
  return lookUpRefs(dir, configured, []).integration;
}

export interface RefLookup {
  integration: string | null;
  /** The commit of the integration ref and of each of the `also` refs asked about; an `also` ref absent here does not exist. */
  ids: Map<string, string>;
}

/** `integrationRef`, and in the same git call the commits of the `also` refs (full names: `refs/heads/x`). */
export function lookUpRefs(dir: string, configured: string | null, also: string[]): RefLookup {
  const wanted =
    configured !== null ? [`refs/heads/${configured}`, `refs/remotes/${configured}`] : ['refs/remotes/origin/HEAD', 'refs/heads/main', 'refs/heads/master'];
  const found = new Map<string, { symref: string; id: string }>();
  const out = tryGit(dir, ['for-each-ref', '--format=%(refname)%00%(symref)%00%(objectname)', ...wanted, ...also]) ?? '';
  for (const line of out.split('\n')) {
    const [ref, symref, id] = line.split('\0');
    if (ref) found.set(ref, { symref: symref ?? '', id: id ?? '' });
  }
  // A pattern also matches the refs below it (`refs/heads/x` lists `refs/heads/x/y`): only exact names count.
  const ids = new Map<string, string>();
  for (const ref of also) {
    const hit = found.get(ref);
    if (hit !== undefined) ids.set(ref, hit.id);
  }
  for (const ref of wanted) {
    const hit = found.get(ref);
    if (hit === undefined) continue;
    const integration = hit.symref || ref;
    ids.set(integration, hit.id);
    return { integration, ids };
  }
  if (configured !== null) return { integration: null, ids };
  const mainBranch = tryGit(dir, ['worktree', 'list', '--porcelain', '-z'])
    ?.split('\0')
    .find((field) => field.startsWith('branch '));
  return { integration: mainBranch === undefined ? null : mainBranch.slice('branch '.length), ids };
}

/** A short name for a ref: `refs/heads/main` → `main`, `refs/remotes/origin/main` → `origin/main`. */
export function refName(ref: string): string {
  return ref.replace(/^refs\/(heads|remotes)\//, '');
}

/**
 * The paths `head` changed since it forked from `integration` (`git diff integration...head`): one
 * git call, what a session's ending leases are judged against when time is short (SessionEnd).
 */
export function changedSinceFork(dir: string, integration: string, head = 'HEAD'): Set<string> {
  const out = git(dir, ['diff', '--name-only', '-z', '--no-renames', '--no-ext-diff', `${integration}...${head}`, '--']);
  return new Set(out.split('\0').filter(Boolean));
}

/**
 * Of `paths`, those whose change on `from` (a ref, as `refs/heads/<branch>`, or a commit) is in
 * `into` (a ref or `HEAD`): the same content there, `from` an ancestor of `into`, the content
 * `from` has appeared on `into` since they forked (a squash merge changed again later), or the
 * change's patch found there (a rebase or cherry-pick onto a file that moved on). Null when `from`
 * names no commit here (a deleted branch).
 */
export function changeIn(dir: string, from: string, into: string, paths: string[]): Set<string> | null {
  const [found] = changeInEach(dir, from, [into], paths) ?? [null];
  return found ?? null;
}

/**
 * `changeIn` for several refs at once (the integration branch and the asker's HEAD), sharing the
 * git calls: one to resolve every ref and find each merge base, one for every blob. `ids`: commits
 * already looked up (`lookUpRefs`), by full ref name.
 */
export function changeInEach(dir: string, from: string, intos: string[], paths: string[], ids: Map<string, string> = new Map()): Array<Set<string>> | null {
  const forks = forkPoints(dir, from, intos, ids);
  if (forks === null) return null;
  const { fromId, intoIds, bases } = forks;
  const commits = [fromId, ...bases.keys(), ...[...bases.values()].filter((base): base is string => base !== null)];
  const blobsOf = blobTable(dir, [...new Set(commits)], paths);
  const results = new Map<string, Set<string>>();
  for (const [intoId, base] of bases) {
    const contained = new Set<string>();
    for (const path of paths) {
      if (base === fromId || blobsOf(fromId, path) === blobsOf(intoId, path)) contained.add(path);
      // Else, unless `into` left the file as it was at the fork (then nothing of the branch's change can be there):
      else if (base !== null && blobsOf(intoId, path) !== blobsOf(base, path) && changeFound(dir, base, fromId, intoId, path, blobsOf(fromId, path))) {
        contained.add(path);
      }
    }
    results.set(intoId, contained);
  }
  return intoIds.map((id) => (id === null ? new Set() : results.get(id)!));
}

interface ForkPoints {
  fromId: string;
  /** Each `into`'s commit (null: it names none). */
  intoIds: Array<string | null>;
  /** Each distinct `into` commit's merge base with `from` (null: none). */
  bases: Map<string, string | null>;
}

/**
 * The commits of `from` and of each `into`, and their merge bases: one `git rev-parse A...B ...`
 * (it prints B, A, then ^base for each) when `from` is known and every `into` resolves; else one
 * call to resolve them all and one merge-base per distinct pair. Null when `from` names no commit.
 */
function forkPoints(dir: string, from: string, intos: string[], ids: Map<string, string>): ForkPoints | null {
  const fromId = ids.get(from);
  if (fromId !== undefined) {
    const out = tryGit(dir, ['rev-parse', ...intos.map((into) => `${fromId}...${ids.get(into) ?? `${into}^{commit}`}`)]);
    const lines = out?.split('\n');
    const intoIds: string[] = [];
    const bases = new Map<string, string | null>();
    for (let i = 0; lines !== undefined && i < lines.length; ) {
      const intoId = lines[i]!;
      i += 2;
      const base = lines[i]?.startsWith('^') ? lines[i]!.slice(1) : null;
      while (lines[i]?.startsWith('^')) i++;
      intoIds.push(intoId);
      if (!bases.has(intoId)) bases.set(intoId, base);
    }
    if (intoIds.length === intos.length) return { fromId, intoIds, bases };
  }
  const resolved = resolveCommits(dir, [from, ...intos]);
  const [resolvedFrom, ...intoIds] = resolved;
  if (resolvedFrom === null || resolvedFrom === undefined) return null;
  const bases = new Map<string, string | null>();
  for (const id of intoIds) if (id !== null && !bases.has(id)) bases.set(id, tryGit(dir, ['merge-base', resolvedFrom, id]));
  return { fromId: resolvedFrom, intoIds, bases };
}

/** The content `from` has for the file appeared on `into` since the fork, or its patch did. */
function changeFound(dir: string, base: string, fromId: string, intoId: string, path: string, fromBlob: string | undefined): boolean {
  return blobsSince(dir, base, intoId, path).has(fromBlob ?? NO_BLOB) || patchFound(dir, base, fromId, intoId, path);
}

/** Each name's commit id, null where it names none; one git call when all resolve. */
function resolveCommits(dir: string, names: string[]): Array<string | null> {
  const all = tryGit(dir, ['rev-parse', ...names.map((name) => `${name}^{commit}`)]);
  if (all !== null) return all.split('\n');
  return names.map((name) => tryGit(dir, ['rev-parse', '--verify', '-q', `${name}^{commit}`]));
}

/**
 * The blob of each path in each commit (undefined where absent), read with one `git cat-file`
 * call; a path with a newline (which that batch cannot carry) is read with `ls-tree` instead.
 */
function blobTable(dir: string, commits: string[], paths: string[]): (commit: string, path: string) => string | undefined {
  const table = new Map<string, string>();
  const key = (commit: string, path: string): string => `${commit}\0${path}`;
  const plain = paths.filter((path) => !path.includes('\n'));
  if (plain.length > 0) {
    const asked = commits.flatMap((commit) => plain.map((path) => [commit, path] as const));
    const out = git(dir, ['cat-file', '--batch-check=%(objectname) %(objecttype)'], {
      input: `${asked.map(([commit, path]) => `${commit}:${path}`).join('\n')}\n`,
    });
    out.split('\n').forEach((line, i) => {
      const [id, type] = line.split(' ');
      if (type === 'blob' && asked[i] !== undefined) table.set(key(...asked[i]!), id!);
    });
  }
  const odd = paths.filter((path) => path.includes('\n'));
  if (odd.length > 0) for (const commit of commits) for (const [path, id] of blobs(dir, commit, odd)) table.set(key(commit, path), id);
  return (commit, path) => table.get(key(commit, path));
}

/** The blob of each path in `commit` (absent paths are left out). */
function blobs(dir: string, commit: string, paths: string[]): Map<string, string> {
  const out = git(dir, ['--literal-pathspecs', 'ls-tree', '-z', '--full-tree', commit, '--', ...paths]);
  const found = new Map<string, string>();
  for (const entry of out.split('\0')) {
    // "<mode> <type> <id>\t<path>"
    const tab = entry.indexOf('\t');
    if (tab > 0) found.set(entry.slice(tab + 1), entry.slice(0, tab).split(' ')[2]!);
  }
  return found;
}

/** Every content `path` took in the commits of `base..tip` (the zero id for a deletion). */
function blobsSince(dir: string, base: string, tip: string, path: string): Set<string> {
  const out = git(dir, ['--literal-pathspecs', 'log', '--format=', '--raw', '--no-abbrev', '--no-renames', '-z', `${base}..${tip}`, '--', path]);
  const ids = new Set<string>();
  // "-z --raw": ":<old mode> <new mode> <old id> <new id> <status>\0<path>\0"
  for (const field of out.split('\0')) {
    if (field.startsWith(':')) ids.add(field.split(' ')[3]!);
  }
  return ids;
}

/**
 * Whether the branch's change to `path` (all of it, as a squash has it, or each of its commits, as
 * a rebase or cherry-pick has them) has the patch id of a change `into` made to the file.
 */
function patchFound(dir: string, base: string, fromId: string, intoId: string, path: string): boolean {
  const intoIds = patchIds(dir, ['log', '-p', '--no-renames', `${base}..${intoId}`, '--', path]);
  if (intoIds.size === 0) return false;
  const whole = patchIds(dir, ['diff', '--no-renames', base, fromId, '--', path]);
  if ([...whole].some((id) => intoIds.has(id))) return true;
  const each = patchIds(dir, ['log', '-p', '--no-renames', `${base}..${fromId}`, '--', path]);
  return each.size > 0 && [...each].every((id) => intoIds.has(id));
}

function patchIds(dir: string, diffArgs: string[]): Set<string> {
  const patch = git(dir, ['--literal-pathspecs', ...diffArgs.slice(0, 1), '--no-color', '--no-ext-diff', ...diffArgs.slice(1)]);
  if (patch === '') return new Set();
  const out = git(dir, ['patch-id', '--stable'], { input: `${patch}\n` });
  return new Set(
    out
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ')[0]!),
  );
}

export interface CommitSummary {
  id: string;
  subject: string;
  at: Date;
}

/** The last commit on `ref` that touched `path`, or null. */
export function lastCommitTouching(dir: string, ref: string, path: string): CommitSummary | null {
  const out = tryGit(dir, ['--literal-pathspecs', 'log', '-1', '--format=%H%x00%s%x00%ct', ref, '--', path]);
  if (!out) return null;
  const [id, subject, at] = out.split('\0');
  return { id: id!, subject: subject ?? '', at: new Date(Number(at) * 1000) };
}

/** Lines of the diff excerpt shown to an agent about to build on another's change. */
const EXCERPT_LINES = 40;

/** What `ref` changed in `path` since it forked from `base`: `git diff --stat`, and the diff itself when short. */
export function changeSummary(dir: string, base: string, ref: string, path: string): string {
  return diffSummary(dir, [`${base}...${ref}`], path);
}

/**
 * What the worktree `dir` has in `path` (committed or not) that `base` has not since they forked
 * (`git diff --merge-base base`; against HEAD when there is no `base`), summed up as
 * `changeSummary` does; empty when nothing.
 */
export function workingChangeSummary(dir: string, base: string | null, path: string): string {
  return diffSummary(dir, base === null ? ['HEAD'] : ['--merge-base', base], path);
}

function diffSummary(dir: string, range: string[], path: string): string {
  const stat = git(dir, ['--literal-pathspecs', 'diff', '--stat', '--no-color', '--no-ext-diff', ...range, '--', path]);
  if (stat === '') return '';
  const diff = git(dir, ['--literal-pathspecs', 'diff', '--no-color', '--no-ext-diff', ...range, '--', path]).split('\n');
  return diff.length <= EXCERPT_LINES ? `${stat}\n${diff.join('\n')}` : stat;
}

function tryGit(dir: string, args: string[]): string | null {
  try {
    return git(dir, args);
  } catch {
    return null;
  }
}
