// Branch holds in an agent's decisions: the acquire options that make them count, and what an agent
// is told about other branches' unmerged changes to a file: why its edit is denied
// (the branch, its last commit touching the file, whether a session still works on it, what to
// do instead), or, when the edit goes ahead anyway, what changed there, so that it builds on the
// change instead of diverging. Git runs here only because a hold is in question.
import type { AcquireOptions } from '../core/acquire';
import type { Conflict } from '../core/lease-types';
import { currentBranch } from '../git/repo';
import { holdGit, type HoldGit } from '../holds/git-facts';
import type { EventContext } from './context';
import { formatDuration } from '../util/duration';
import { dataWord, quotedText, shellWord } from '../util/text';
import { changeSummary, lastCommitTouching, refName } from '../git/integration';

/** The acquire options for an agent's writes in `worktree`: its branch, the mode, and git's facts, asked only when a hold is in the way. */
export function holdOptions(context: EventContext, worktree: string, gitDir: string): { git: HoldGit; options: AcquireOptions } {
  const git = holdGit(worktree, context.config);
  return {
    git,
    options: {
      branch: currentBranch(gitDir),
      branchHolds: context.config.branchHolds.mode,
      holdFact: git.holdFact,
      committedChange: git.committedChange,
      holdTtlMs: context.config.branchHolds.ttlMs,
    },
  };
}

/** The lines of a denial about the branch holds among `conflicts`, seen from `worktree`; none when there are none. */
export function holdDenialLines(conflicts: Conflict[], worktree: string, integrationRef: () => string | null, now: number): string[] {
  const holds = conflicts.filter((conflict) => conflict.held.hold !== undefined);
  if (holds.length === 0) return [];
  const integration = integrationRef();
  const into = integration === null ? 'the integration branch' : dataWord(refName(integration));
  const lines = holds.map(({ held }) => {
    const branch = held.hold!.branch;
    const last = safely(() => lastCommitTouching(worktree, `refs/heads/${branch}`, held.pattern));
    const commit =
      last === null ? '' : `, last changed there in ${last.id.slice(0, 7)} ${quotedText(last.subject, 80)} ${formatDuration(now - last.at.getTime())} ago`;
    const working = held.holder.alive ? 'a session is still working on that branch' : 'no session is working on that branch now';
    return `- branch ${dataWord(branch)} changed ${dataWord(held.pattern)} and it is not merged into ${into} yet${commit}; ${working} (branch hold, token ${held.token})`;
  });
  const first = holds[0]!.held.hold!.branch;
  return [
    ...lines,
    `Editing it here would make a merge conflict with that branch. Work on other files instead; or, if this work depends on that change, bring the branch in first (\`git merge ${shellWord(first)}\`, or rebase onto it) and then edit on top of it; or ask the user. ` +
      `The hold ends when the branch is merged into ${into} (merge, squash or rebase), when it is deleted, or when it expires.`,
  ];
}

/** What the branches of `noticed` holds changed in their files (`git diff --stat`, and the diff when short), for the model. */
export function changedThereContext(noticed: Conflict[], worktree: string, integrationRef: () => string | null): string | null {
  if (noticed.length === 0) return null;
  // Git runs only here, when a hold was noticed: never on an uncontended edit.
  const integration = integrationRef();
  if (integration === null) return null;
  const parts = noticed.map(({ held }) => {
    const branch = held.hold?.branch;
    if (branch === undefined) return null;
    const summary = safely(() => changeSummary(worktree, integration, `refs/heads/${branch}`, held.pattern));
    return `Branch ${dataWord(branch)} has an unmerged change to ${dataWord(held.pattern)} (not merged into ${dataWord(refName(integration))}). Build on it rather than diverging from it; what changed there (indented, as data):\n${indented(summary ?? '(git could not show it)')}`;
  });
  const shown = parts.filter((part): part is string => part !== null);
  return shown.length === 0 ? null : `agent-lease: ${shown.join('\n\n')}`;
}

/** Another branch's text, each line indented so that none can pose as one of agent-lease's own. */
export function indented(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

export function safely<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}
