// PostToolUse (and PostToolUseFailure) for Bash: a shell command can change any file, and only
// afterwards can a hook see which (a command that failed may have changed some too). Leases the
// worktree's changed files that the session does not hold yet; a file another session holds
// cannot be un-changed by a hook, so the model is told to put it back.
import { describeError } from '../lib/util/errors';
import { covers, matchesAny } from '../lib/core/globs';
import { acquire, listLeases, type AcquireResult, type Conflict } from '../lib/core/leases';
import { ensureSession, hookContext, withStore } from '../lib/decisions/context';
import { conflictLines } from '../lib/decisions/wording';
import { optionalString, requiredString } from './input';
import { addContext, tellUser } from './output';
import { pendingChanges } from '../lib/git/changes';
import type { HookInput, HookOutcome } from './types';

/**
 * Leases taken per command at most: a command that changes thousands of files (a generator, an
 * install into an unignored directory) should not turn into thousands of leases.
 */
export const MAX_LEASES_PER_COMMAND = 200;

export function handle(input: HookInput): HookOutcome {
  if (requiredString(input, 'tool_name') !== 'Bash') return {};
  const event = optionalString(input, 'hook_event_name') === 'PostToolUseFailure' ? 'PostToolUseFailure' : 'PostToolUse';
  const context = hookContext(input);
  if (context === null) return {};
  const warnings = context.warnings;
  let changed: string[];
  try {
    changed = [...pendingChanges(context.repo.worktreeRoot)].filter((path) => !matchesAny(context.config.ignore, path));
  } catch (error) {
    return tellUser([...warnings, `agent-lease: could not list the files the command changed (${describeError(error)}); they were not leased`].join('\n'));
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
  if (!result.ok) return tellUser([...warnings, `${result.problem}; the files the command changed were not leased`].join('\n'));
  const { leased, unleased } = result.value;
  if (unleased > 0) warnings.push(`agent-lease: ${unleased} more changed files were not leased (at most ${MAX_LEASES_PER_COMMAND} per command)`);
  const systemMessage = warnings.length > 0 ? warnings.join('\n') : undefined;
  if (leased === null || leased.conflicts.length === 0) return systemMessage === undefined ? {} : tellUser(systemMessage);
  return addContext(event, conflictText(leased.conflicts), [systemMessage, conflictSummary(leased.conflicts)].filter(Boolean).join('\n'));
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
