// Before a shell command of a client that turns git hooks off for its shell (Gemini CLI 0.61 runs
// every command with core.hooksPath set to "" through GIT_CONFIG_* variables, so git runs no hook
// at all): the commit guard cannot run inside such a commit, so a command that looks like it
// commits is checked before it runs, as the guard would check it. What it will commit is only
// known when it runs: the staged files, and when the command also stages (`git add`, `commit -a`)
// every pending change of the worktree.
import { blockedFiles, describeRefusal, recordGuardEvent, type Committer } from '../guard/decision';
import { pendingChanges, stagedPaths } from '../git/changes';
import { describeError } from '../util/errors';
import { eventContext, withStore, type AgentEvent } from './context';
import { goAhead, type Verdict } from './verdict';

const COMMITS = /\bgit\b[^;&|\n]*\b(commit|merge|am|cherry-pick|revert|rebase|pull)\b/;
const STAGES = /\bgit\b[^;&|\n]*\b(add|stage)\b|\bgit\b[^;&|\n]*\bcommit\b[^;&|\n]*(\s-[a-zA-Z]*a|\s--all\b)/;

export async function beforeHooklessCommit(event: AgentEvent, command: string, client: string): Promise<Verdict> {
  if (!COMMITS.test(command)) return {};
  const context = eventContext(event);
  if (context === null) return {};
  let paths: string[];
  try {
    const staged = stagedPaths(context.repo.worktreeRoot, context.repo.gitDir);
    paths = STAGES.test(command) ? [...new Set([...staged, ...pendingChanges(context.repo.worktreeRoot)])] : staged;
  } catch (error) {
    return goAhead([...context.warnings, `agent-lease: the commit was not checked (${describeError(error)})`]);
  }
  if (paths.length === 0) return goAhead(context.warnings);
  const result = await withStore(context, async (store) => {
    const committer: Committer = { sessionId: context.sessionId, name: context.sessionId, via: 'agent process', agent: true };
    const blocked = await blockedFiles(store, paths, committer);
    if (blocked.length > 0) await recordGuardEvent(store, 'refuse', committer, blocked);
    return { blocked, committer };
  });
  if (!result.ok) return goAhead([...context.warnings, `${result.problem}; the commit was not checked`]);
  if (result.value.blocked.length === 0) return goAhead(context.warnings);
  return {
    ...goAhead(context.warnings),
    deny:
      `${describeRefusal(result.value.blocked, result.value.committer, Date.now())}\n` +
      `(${client} runs shell commands with git hooks turned off, so agent-lease checked this commit before the command ran, counting ` +
      `${STAGES.test(command) ? 'every uncommitted change, since the command also stages files' : 'the staged files'}.)`,
  };
}
