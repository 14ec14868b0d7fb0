// Which branch holds stand in the way of someone asking from a worktree, as acquire judges them:
// not the worktree's own branch's, and not those whose change the worktree's HEAD already has
// (merged or rebased onto the holding branch). `check` and any read-only "is it free" ask here so
// that they agree with what an edit would be told. Git runs only when a hold is among the holders.
import type { CoverageResult } from '../core/lease-queries';
import type { Config } from '../config/load';
import { currentBranch } from '../git/repo';
import { holdGit } from './git-facts';

/** `results` without the holds that do not stand for an asker in `worktree`; a hold git cannot judge stands. */
export function holdsStandingHere(results: CoverageResult[], worktree: string, gitDir: string, config: Config): CoverageResult[] {
  if (!results.some((result) => result.holders.some((lease) => lease.hold !== undefined))) return results;
  const branch = currentBranch(gitDir);
  const facts = holdGit(worktree, config);
  return results.map((result) => ({
    path: result.path,
    holders: result.holders.filter((lease) => {
      const hold = lease.hold;
      if (hold === undefined) return true;
      if (hold.branch === branch) return false;
      try {
        return facts.holdFact({ token: lease.token, path: lease.pattern, branch: hold.branch, commit: hold.commit }) === 'stands';
      } catch {
        return true;
      }
    }),
  }));
}
