// After a shell command: a command can change any file, and only afterwards can a hook see which
// (a command that failed may have changed some too). Leases the worktree's changed files that the
// session does not hold yet; a file another session holds cannot be un-changed afterwards, so the
// model is told what to do about it.
import { covers, matchesAny } from '../core/globs';
import { acquire, type AcquireResult } from '../core/acquire';
import { listLeases } from '../core/lease-queries';
import type { Conflict } from '../core/lease-types';
import { pendingChanges } from '../git/changes';
import { describeError } from '../util/errors';
import { ensureSession, eventContext, withStore, type AgentEvent } from './context';
import { goAhead, type Verdict } from './verdict';
import { conflictLines } from './wording';

/**
 * Leases taken per command at most: a command that changes thousands of files (a generator, an
 * install into an unignored directory) should not turn into thousands of leases.
 */
export const MAX_LEASES_PER_COMMAND = 200;

export function afterShellCommand(event: AgentEvent): Verdict {
  const context = eventContext(event);
  if (context === null) return {};
  const warnings = context.warnings;
  let changed: string[];
  try {
    changed = [...pendingChanges(context.repo.worktreeRoot)].filter((path) => !matchesAny(context.config.ignore, path));
  } catch (error) {
    return goAhead([...warnings, `agent-lease: could not list the files the command changed (${describeError(error)}); they were not leased`]);
  }
  const result = withStore(context, (store): { leased: AcquireResult | null; unleased: number } => {
    ensureSession(store, context);
    const held = listLeases(store, { sessionId: context.sessionId });
    const unheld = changed.filter((path) => !held.some((lease) => covers(lease, path)));
    if (unheld.length === 0) return { leased: null, unleased: 0 };
    const leased = acquire(store, context.sessionId, unheld.slice(0, MAX_LEASES_PER_COMMAND), {
      source: 'edit',
      exact: true,
      partial: true,
      ttlMs: context.config.ttl.editMs,
    });
    return { leased, unleased: Math.max(0, unheld.length - MAX_LEASES_PER_COMMAND) };
  });
  if (!result.ok) return goAhead([...warnings, `${result.problem}; the files the command changed were not leased`]);
  const { leased, unleased } = result.value;
  if (unleased > 0) warnings.push(`agent-lease: ${unleased} more changed files were not leased (at most ${MAX_LEASES_PER_COMMAND} per command)`);
  if (leased === null || leased.conflicts.length === 0) return goAhead(warnings);
  return { modelContext: conflictText(leased.conflicts), ...goAhead([...warnings, conflictSummary(leased.conflicts)]) };
}

function conflictText(conflicts: Conflict[]): string {
  const now = Date.now();
  const paths = [...new Set(conflicts.map((conflict) => conflict.pattern))];
  return [
    `agent-lease: this worktree now has uncommitted changes to ${paths.length === 1 ? 'a file' : 'files'} that another session holds:`,
    ...conflictLines(conflicts, now),
    'A hook cannot undo a command. If your command made these changes, put the files back as they were ' +
      `(\`git diff -- ${paths.join(' ')}\` shows them; \`git restore\` a tracked file, delete one you created) and leave them to that session. ` +
      'A commit that includes them will be refused while the lease lasts.',
  ].join('\n');
}

function conflictSummary(conflicts: Conflict[]): string {
  const paths = [...new Set(conflicts.map((conflict) => conflict.pattern))];
  return `agent-lease: a Bash command changed ${paths.join(', ')}, held by another session`;
}
