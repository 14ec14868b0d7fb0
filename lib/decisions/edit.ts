// Before a file edit: takes or renews this session's edit lease on the file, and denies the edit
// when another live session holds it.
import { join } from 'node:path';
import { matchesAny } from '../core/globs';
import { acquire } from '../core/acquire';
import type { Conflict } from '../core/lease-types';
import { hasPendingChange } from '../git/changes';
import { repoRelativePath } from '../git/paths';
import { AgentLeaseError } from '../util/errors';
import { isDirectory } from '../util/files';
import { dataWord, shellWord } from '../util/text';
import { ensureSession, eventContext, withStore, type AgentEvent, type EventContext } from './context';
import { goAhead, type Verdict } from './verdict';
import { conflictLines, nextSteps } from './wording';

/** `file` is absolute or relative to the event's cwd; `field` names it in messages (`tool_input.file_path`). */
export function decideEdit(event: AgentEvent, file: string, field: string): Verdict {
  const context = eventContext({ ...event, file });
  if (context === null) return {};
  const located = repoRelativePath(file, context.repo.commonDir, context.cwd);
  if (located.kind === 'outside' || matchesAny(context.config.ignore, located.path)) return goAhead(context.warnings);
  if (isDirectory(join(located.repo.worktreeRoot, located.path))) {
    throw new AgentLeaseError(`${field} ${file} is a directory, not a file; nothing was leased`);
  }

  const result = withStore(context, (store) => {
    ensureSession(store, context);
    return acquire(store, context.sessionId, [located.path], {
      source: 'edit',
      exact: true,
      ttlMs: context.config.ttl.editMs,
      worktree: located.repo.worktreeRoot,
      pendingChange: hasPendingChange,
    });
  });
  if (!result.ok) return storeFailure(context, result.problem);
  if (result.value.ok) return goAhead(context.warnings);
  return { ...goAhead(context.warnings), deny: denialReason(located.path, result.value.conflicts) };
}

function denialReason(path: string, conflicts: Conflict[]): string {
  const now = Date.now();
  const shown = dataWord(path);
  return [
    `agent-lease denied this edit: ${shown} is leased to another session that is working on it.`,
    ...conflictLines(conflicts, now),
    `Do not edit ${shown} now, and do not work around this with shell commands (a commit touching it would be refused). ` +
      `Work on other files and come back to it later: \`agent-lease who -- ${shellWord(path)}\` shows whether it is still held. ` +
      'The lease ends when that session releases it, when it stops with no pending change to the file, when it ends, or at the latest when it expires.',
    nextSteps([path], conflicts, now),
  ].join('\n');
}

function storeFailure(context: EventContext, problem: string): Verdict {
  if (context.config.hooks.onStoreError === 'deny') {
    return { deny: `${problem}. Edits are denied until the store works again (hooks.onStoreError is "deny"); tell the user.`, userMessage: problem };
  }
  return { userMessage: `${problem}; the edit was allowed WITHOUT a lease (set hooks.onStoreError to "deny" in .agent-lease.json to block edits instead)` };
}
