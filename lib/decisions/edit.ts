// Before a file edit: takes or renews this session's edit lease on the file, and denies the edit
// when another live session holds it.
import { join } from 'node:path';
import { matchesAny } from '../core/globs';
import { acquire } from '../core/acquire';
import type { Conflict } from '../core/lease-types';
import { pathIn, repoRelativePath } from '../git/paths';
import type { HoldGit } from '../holds/git-facts';
import { holdDenialLines } from './branch-hold-notes';
import { sharersOf } from './shared-edits';
import { othersChangesContext, writeLeaseOptions } from './write-leases';
import { AgentLeaseError } from '../util/errors';
import { isDirectory } from '../util/files';
import { dataWord, shellWord } from '../util/text';
import { actAsSession, eventContext, withStore, type AgentEvent, type EventContext } from './context';
import { withinSessionAdvice, withinSessionHolder } from './agent-wording';
import { goAhead, type Verdict } from './verdict';
import { conflictLines, nextSteps } from './wording';

/** `file` is absolute or relative to the event's cwd; `field` names it in messages (`tool_input.file_path`). */
export function decideEdit(event: AgentEvent, file: string, field: string): Promise<Verdict> {
  return decideEditIn(editContext(event, file), file, field);
}

/** The context an edit of `file` is decided in: that of the file's repository (null: none). */
export function editContext(event: AgentEvent, file: string): EventContext | null {
  return eventContext({ ...event, file });
}

/** `decideEdit` in a context already made (by editContext), for a caller that uses it again. */
export async function decideEditIn(context: EventContext | null, file: string, field: string): Promise<Verdict> {
  if (context === null) return {};
  const { fileAt } = context;
  const located = fileAt?.file === file ? pathIn(fileAt.location, context.repo.commonDir) : repoRelativePath(file, context.repo.commonDir, context.cwd);
  if (located.kind === 'outside' || matchesAny(context.config.ignore, located.path)) return goAhead(context.warnings);
  if (isDirectory(join(located.repo.worktreeRoot, located.path))) {
    throw new AgentLeaseError(`${field} ${file} is a directory, not a file; nothing was leased`);
  }

  const worktree = located.repo.worktreeRoot;
  const leases = writeLeaseOptions(context, worktree, located.repo.gitDir);
  const holdFacts = leases.git;
  const result = await withStore(context, async (store) => {
    const holder = { sessionId: context.sessionId, agentId: context.agentId };
    const taken = await actAsSession(store, context, () => acquire(store, context.sessionId, [located.path], leases.options));
    return { taken, sharers: await sharersOf(store, taken, [located.path], holder) };
  });
  if (!result.ok) return storeFailure(context, result.problem);
  const { taken, sharers } = result.value;
  if (taken.ok) {
    const changed = othersChangesContext(taken, sharers, holdFacts, worktree);
    return changed === null ? goAhead(context.warnings) : { ...goAhead(context.warnings), modelContext: changed };
  }
  return { ...goAhead(context.warnings), deny: denialReason(context, located.path, taken.conflicts, worktree, holdFacts) };
}

function denialReason(context: EventContext, path: string, conflicts: Conflict[], worktree: string, holdFacts: HoldGit): string {
  const now = Date.now();
  const shown = dataWord(path);
  const agent = withinSessionHolder(context, conflicts);
  if (agent !== null) {
    return [
      `agent-lease denied this edit: ${shown} is held by ${agent}.`,
      ...conflictLines(conflicts, now),
      `Do not edit ${shown} now, and do not work around this with shell commands. ${withinSessionAdvice(context, conflicts)}`,
    ].join('\n');
  }
  const advice = withinSessionAdvice(context, conflicts);
  const leases = conflicts.filter((conflict) => conflict.held.hold === undefined);
  if (leases.length === 0) {
    return [
      `agent-lease denied this edit: ${shown} has a committed change on another branch that is not merged yet.`,
      ...holdDenialLines(conflicts, worktree, holdFacts.integration, now),
    ].join('\n');
  }
  return [
    `agent-lease denied this edit: ${shown} is leased to another session that is working on it.`,
    ...conflictLines(leases, now),
    ...holdDenialLines(conflicts, worktree, holdFacts.integration, now),
    `Do not edit ${shown} now, and do not work around this with shell commands (a commit touching it would be refused). ` +
      `Work on other files and come back to it later: \`agent-lease who -- ${shellWord(path)}\` shows whether it is still held. ` +
      'The lease ends when that session releases it, when it stops with no pending change to the file, when it ends, or at the latest when it expires.',
    ...(advice === null ? [] : [advice]),
    nextSteps([path], conflicts, now),
  ].join('\n');
}

function storeFailure(context: EventContext, problem: string): Verdict {
  if (context.config.hooks.onStoreError === 'deny') {
    return { deny: `${problem}. Edits are denied until the store works again (hooks.onStoreError is "deny"); tell the user.`, userMessage: problem };
  }
  return { userMessage: `${problem}; the edit was allowed WITHOUT a lease (set hooks.onStoreError to "deny" in .agent-lease.json to block edits instead)` };
}
