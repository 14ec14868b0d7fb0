// The commit guard's view of branch holds: which staged files another unmerged branch holds, given
// what is being committed. Committing the holder's own content, or a merge, squash merge or
// cherry-pick of commits that carry the change, integrates it: never refused for it. Holds
// git shows integrated or whose branch is gone are ended here.
import { endHolds } from '../core/branch-holds';
import type { HeldLease } from '../core/lease-types';
import type { Store } from '../core/store';
import type { Config } from '../config/load';
import { incomingCommits } from '../git/changes';
import { changeIn } from '../git/integration';
import { git } from '../git/run';
import { holdGit } from './git-facts';

export interface CommitHoldContext {
  worktree: string;
  gitDir: string;
  env: NodeJS.ProcessEnv;
  config: Config;
}

/** Of `holders` of staged `path`, those to count: every lease, and the branch holds this commit does not integrate. */
export async function standingHolders(store: Store, path: string, holders: HeldLease[], context: CommitHoldContext): Promise<HeldLease[]> {
  if (!holders.some((lease) => lease.hold !== undefined)) return holders;
  const facts = holdGit(context.worktree, context.config);
  const incoming = incomingCommits(context.worktree, context.gitDir, context.env);
  const staged = stagedBlob(context, path);
  const standing: HeldLease[] = [];
  for (const lease of holders) {
    const hold = lease.hold;
    if (hold === undefined || (await holdStands(store, path, lease.token, hold, { ...context, facts, incoming, staged }))) standing.push(lease);
  }
  return standing;
}

/** Whether another branch's hold on staged `path` stands against this commit; one git shows over is ended. */
async function holdStands(
  store: Store,
  path: string,
  token: number,
  hold: { branch: string; commit: string | null },
  context: CommitHoldContext & { facts: ReturnType<typeof holdGit>; incoming: string[]; staged: string | null },
): Promise<boolean> {
  try {
    const source = context.facts.source(hold);
    if (source === 'unknown') return true;
    const rev = source === 'deleted' ? null : source.rev;
    if (rev !== null && context.staged !== null && context.staged === blobAt(context.worktree, rev, path)) return false;
    if (rev !== null && context.incoming.some((head) => changeIn(context.worktree, rev, head, [path])?.has(path))) return false;
    const fact = context.facts.holdFact({ token, path, branch: hold.branch, commit: hold.commit });
    if (fact === 'integrated' || fact === 'deleted') await endHolds(store, [token], fact === 'integrated' ? 'integrated' : 'branch deleted', null);
    return fact === 'stands';
  } catch {
    return true;
  }
}

/** The blob the commit being made records for `path` (the index git points the hook at), or null when it deletes it. */
function stagedBlob(context: CommitHoldContext, path: string): string | null {
  const out = git(context.worktree, ['--literal-pathspecs', 'ls-files', '-s', '-z', '--', path], { env: context.env });
  // "<mode> <id> <stage>\t<path>"
  return out === '' ? null : (out.split(' ')[1] ?? null);
}

function blobAt(worktree: string, rev: string, path: string): string | null {
  try {
    return git(worktree, ['rev-parse', '--verify', '-q', `${rev}:${path}`]);
  } catch {
    return null;
  }
}
