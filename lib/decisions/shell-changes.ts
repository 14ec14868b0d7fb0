// After a shell command: a command can change any file, and only afterwards can a hook see which
// (a command that failed may have changed some too). Leases the changed files the command can be
// credited with and the session does not hold yet; a file another session holds cannot be
// un-changed afterwards, so the model is told (once per file) to tell the user.
//
// Which files are the command's: the worktree's pending changes include other sessions' work when
// several sessions share a worktree, and blaming a command for them (or leasing them to it) would
// be wrong. A file counts when it was modified during the command (its mtime is not older than
// the command's start, which the client reports as the run's duration); when the client does not
// say how long the command ran, or the file is gone (a deletion has no mtime), only when no other
// open session works in this worktree. Exact attribution needs the shell parser of PreToolUse.
//
// Within a session, what only this hook sees goes to the main thread, also after a subagent's
// command: parallel subagents share the worktree, and nothing tells which of them changed a file
// (a subagent's shell has no id of its own). The main thread's lease is any subagent's to take;
// what PreToolUse could tell before the command ran is already the subagent's own.
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { covers, matchesAny } from '../core/globs';
import { acquire, type AcquireResult } from '../core/acquire';
import { listLeases } from '../core/lease-queries';
import type { Conflict } from '../core/lease-types';
import { sessionsInWorktree } from '../core/sessions';
import type { Store } from '../core/store';
import { pendingChanges } from '../git/changes';
import { describeError } from '../util/errors';
import { dataWord, shellWord } from '../util/text';
import { ensureSession, sessionContexts, withStore, type AgentEvent, type EventContext } from './context';
import { goAhead, type Verdict } from './verdict';
import { conflictLines } from './wording';

/**
 * Leases taken per command at most: a command that changes thousands of files (a generator, an
 * install into an unignored directory) should not turn into thousands of leases.
 */
export const MAX_LEASES_PER_COMMAND = 200;

/** File systems keep mtimes to a second or two at worst, and clocks of a hook and its client differ a little. */
const MTIME_SLACK_MS = 2000;

export interface ShellCommand {
  /** How long the command ran, when the client says (Claude Code's `duration_ms`). */
  durationMs?: number | undefined;
}

/** In every repository the session works in (its cwd's, and those it edited from outside them). */
export async function afterShellCommand(event: AgentEvent, command: ShellCommand = {}): Promise<Verdict> {
  const verdicts: Verdict[] = [];
  for (const context of sessionContexts(event)) verdicts.push(await afterShellCommandIn(context, command));
  const joined = (texts: Array<string | undefined>) => texts.filter((text) => text !== undefined).join('\n') || undefined;
  const modelContext = joined(verdicts.map((verdict) => verdict.modelContext));
  const userMessage = joined(verdicts.map((verdict) => verdict.userMessage));
  return { ...(modelContext === undefined ? {} : { modelContext }), ...(userMessage === undefined ? {} : { userMessage }) };
}

async function afterShellCommandIn(context: EventContext, command: ShellCommand): Promise<Verdict> {
  const warnings = context.warnings;
  const startedAt = command.durationMs === undefined ? null : Date.now() - command.durationMs - MTIME_SLACK_MS;
  let changed: Array<{ path: string; during: boolean | null }>;
  try {
    changed = [...pendingChanges(context.repo.worktreeRoot)]
      .filter((path) => !matchesAny(context.config.ignore, path))
      .map((path) => ({ path, during: changedDuring(join(context.repo.worktreeRoot, path), startedAt) }));
  } catch (error) {
    return goAhead([...warnings, `agent-lease: could not list the files the command changed (${describeError(error)}); they were not leased`]);
  }
  const result = await withStore(context, async (store): Promise<{ leased: AcquireResult | null; unleased: number }> => {
    await ensureSession(store, context);
    const alone = changed.some((file) => file.during === null) && !(await othersInWorktree(store, context));
    const held = await listLeases(store, { sessionId: context.sessionId });
    const unheld = changed
      .filter((file) => file.during ?? alone)
      .map((file) => file.path)
      .filter((path) => !held.some((lease) => covers(lease, path)));
    if (unheld.length === 0) return { leased: null, unleased: 0 };
    const leased = await acquire(store, context.sessionId, unheld.slice(0, MAX_LEASES_PER_COMMAND), {
      source: 'edit',
      exact: true,
      partial: true,
      denyOnce: true,
      ttlMs: context.config.ttl.editMs,
      worktree: context.repo.worktreeRoot,
    });
    return { leased, unleased: Math.max(0, unheld.length - MAX_LEASES_PER_COMMAND) };
  });
  if (!result.ok) return goAhead([...warnings, `${result.problem}; the files the command changed were not leased`]);
  const { leased, unleased } = result.value;
  if (unleased > 0) warnings.push(`agent-lease: ${unleased} more changed files were not leased (at most ${MAX_LEASES_PER_COMMAND} per command)`);
  if (leased === null || leased.conflicts.length === 0) return goAhead(warnings);
  return { modelContext: conflictText(leased.conflicts), ...goAhead([...warnings, conflictSummary(leased.conflicts)]) };
}

/** Whether `file` was modified since `startedAt`; null when that cannot be told (no start, no file). */
function changedDuring(file: string, startedAt: number | null): boolean | null {
  if (startedAt === null) return null;
  const stat = lstatSync(file, { throwIfNoEntry: false });
  return stat === undefined ? null : stat.mtimeMs >= startedAt;
}

async function othersInWorktree(store: Store, context: EventContext): Promise<boolean> {
  return (await sessionsInWorktree(store, context.repo.worktreeRoot)).some((session) => session.id !== context.sessionId && session.alive);
}

function conflictText(conflicts: Conflict[]): string {
  const now = Date.now();
  const paths = [...new Set(conflicts.map((conflict) => conflict.pattern))];
  return [
    `agent-lease: this worktree now has uncommitted changes to ${paths.length === 1 ? 'a file' : 'files'} that another session holds:`,
    ...conflictLines(conflicts, now),
    "A hook cannot undo a command, and the changes may be that session's own work: do not restore, check out or delete these files. " +
      `If your command made these changes, tell the user which files it changed (\`git diff -- ${paths.map(shellWord).join(' ')}\` shows them) ` +
      'and leave the files to that session. A commit that includes them will be refused while the lease lasts.',
  ].join('\n');
}

function conflictSummary(conflicts: Conflict[]): string {
  const paths = [...new Set(conflicts.map((conflict) => conflict.pattern))];
  return `agent-lease: a Bash command changed ${paths.map((path) => dataWord(path)).join(', ')}, held by another session`;
}
