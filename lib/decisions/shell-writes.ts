// Before a shell command: the files it would write (lib/shell/planned-writes.ts), checked against
// the leases of the repository each one lies in, and the command denied before it runs when another
// session holds one. The files are leased at once, each as an edit of it is (docs/shell-writes.md,
// "Leased at once" says why): a second session is denied from that moment, not only once
// PostToolUse notices the change; inside an area the session shares, the lease is shared and the
// model is told what the sharing sessions changed in the file (shared-edits.ts). Like an edit's, a
// file's repository is found from the file, not from the session's cwd: a write into another
// repository that agent-lease manages (it has a store) is checked and leased there, as a session
// started outside the repository works; one that agent-lease does not manage is let through.
import { existsSync, realpathSync } from 'node:fs';
import { matchesAny, type LeaseTarget } from '../core/globs';
import { acquire } from '../core/acquire';
import { overlappingLeases } from '../core/lease-queries';
import type { Conflict } from '../core/lease-types';
import { repoOfPath, repoRelativePath } from '../git/paths';
import type { RepoLocation } from '../git/repo';
import { plannedWrites, type PlannedWrite } from '../shell/planned-writes';
import { describeError } from '../util/errors';
import { isDirectory } from '../util/files';
import { shellWord } from '../util/text';
import { ensureSession, eventContext, holderOf, withStore, type AgentEvent, type EventContext } from './context';
import { MAX_LEASES_PER_COMMAND } from './shell-changes';
import { sharersOf } from './shared-edits';
import { othersChangesContext, writeLeaseOptions } from './write-leases';
import { withinSessionAdvice } from './agent-wording';
import { goAhead, type Verdict } from './verdict';
import { conflictLines, nextSteps } from './wording';

/** The writes that fall into one repository, as lease targets. */
interface RepoWrites {
  repo: RepoLocation;
  /** Exact files: leased in the session's own repository. */
  files: Map<string, PlannedWrite>;
  /** Directory trees and globs: only checked. `label` names it to the model. */
  patterns: Map<string, { target: LeaseTarget; write: PlannedWrite; label: string }>;
}

interface Denied {
  repo: RepoLocation;
  own: boolean;
  conflicts: WriteConflict[];
}

/** `command` as the agent's shell tool would run it in the event's cwd. */
export async function beforeShellCommand(event: AgentEvent, command: string): Promise<Verdict> {
  const context = eventContext(event);
  const cwd = context?.cwd ?? event.cwd ?? process.cwd();
  const warnings = context?.warnings ?? [];
  let plan: ReturnType<typeof plannedWrites>;
  try {
    plan = plannedWrites(command, cwd);
  } catch (error) {
    // The parser is a native addon: one missing for this platform must not fail every Bash call.
    return goAhead([...warnings, `agent-lease: the command's writes were not checked before it ran (${describeError(error)})`]);
  }
  if (plan.writes.length === 0) return goAhead(warnings);

  const denials: Denied[] = [];
  const told: string[] = [];
  for (const writes of byRepository(plan.writes, cwd, context?.repo.commonDir ?? null)) {
    const own = context !== null && writes.repo.commonDir === context.repo.commonDir;
    const repoContext = own ? context : managedContext(event, writes.repo);
    if (repoContext === null) continue;
    const outcome = await leaseAndCheck(repoContext, writes);
    if (typeof outcome === 'string') {
      const failure = storeFailure(repoContext, outcome);
      if (failure.deny !== undefined) return failure;
      warnings.push(failure.userMessage!);
    } else if (outcome.conflicts.length > 0) {
      denials.push({ repo: writes.repo, own, conflicts: outcome.conflicts });
    } else if (outcome.othersChanges !== null) {
      told.push(outcome.othersChanges);
    }
  }
  if (denials.length === 0) return told.length === 0 ? goAhead(warnings) : { ...goAhead(warnings), modelContext: told.join('\n\n') };
  const advice =
    context === null
      ? null
      : withinSessionAdvice(
          context,
          denials.flatMap((denial) => denial.conflicts),
        );
  return { ...goAhead(warnings), deny: denialReason(denials) + (advice === null ? '' : `\n${advice}`) };
}

/** `ownCommonDir`: the session's repository, tried first (most writes land there). */
function byRepository(writes: PlannedWrite[], cwd: string, ownCommonDir: string | null): RepoWrites[] {
  const groups = new Map<string, RepoWrites>();
  for (const write of writes) {
    let located = ownCommonDir === null ? null : repoRelativePath(write.path, ownCommonDir, cwd);
    const repo = located?.kind === 'inside' ? located.repo : repoOfPath(write.path);
    if (repo === null) continue;
    if (located?.kind !== 'inside') located = repoRelativePath(write.path, repo.commonDir, cwd);
    let group = groups.get(repo.commonDir);
    if (group === undefined) {
      group = { repo, files: new Map(), patterns: new Map() };
      groups.set(repo.commonDir, group);
    }
    const inside = located.kind === 'inside' ? located.path : null;
    const tree = write.scope === 'tree' || (!write.glob && isDirectory(write.path));
    if (inside === null) {
      // `rm -rf .` and `git checkout .` at the top of a worktree write all of it.
      if (tree && isWorktreeRoot(write.path, repo)) group.patterns.set('**', { target: { pattern: '**', glob: true }, write, label: 'the whole worktree' });
      continue;
    }
    if (write.glob) {
      // What the pattern matches may be directories (`rm -r src/*`): their content counts too.
      const label = `${shellWord(inside)} (the files this pattern matches)`;
      group.patterns.set(inside, { target: { pattern: inside, glob: true }, write, label });
      group.patterns.set(`${inside}/**`, { target: { pattern: `${inside}/**`, glob: true }, write, label });
    } else if (tree) {
      const label = `${shellWord(inside)} (the directory and everything in it)`;
      group.patterns.set(inside, { target: { pattern: inside, glob: false }, write, label });
      group.patterns.set(`${inside}/**`, { target: { pattern: `${inside}/**`, glob: true }, write, label });
    } else if (!group.files.has(inside)) group.files.set(inside, write);
  }
  return [...groups.values()];
}

function isWorktreeRoot(path: string, repo: RepoLocation): boolean {
  try {
    return realpathSync(path) === repo.worktreeRoot;
  } catch {
    return false;
  }
}

/**
 * The context of another repository the command writes into, when agent-lease manages it (it has a
 * store): found from the file, the session's own cwd kept (as for an edit's file).
 */
function managedContext(event: AgentEvent, repo: RepoLocation): EventContext | null {
  const context = eventContext({ ...event, file: repo.worktreeRoot });
  if (context === null || ('engine' in context.store && context.store.engine === 'sqlite' && !existsSync(context.store.path))) return null;
  return context;
}

/** What a command's writes into one repository met: the conflicts that deny it, or what to tell of others' changes to its files. */
interface Outcome {
  conflicts: WriteConflict[];
  othersChanges: string | null;
}

/**
 * The trees and globs are checked, then the files leased in one transaction (all or none), each as
 * an edit of it is (write-leases.ts). Files past the per-command limit, and all of them once the
 * command is denied, are decided the same way without being taken, so that the denial names every one.
 */
async function leaseAndCheck(context: EventContext, writes: RepoWrites): Promise<Outcome | string> {
  const files = [...writes.files.keys()].filter((path) => !matchesAny(context.config.ignore, path));
  const leased = files.slice(0, MAX_LEASES_PER_COMMAND);
  const beyond = files.slice(MAX_LEASES_PER_COMMAND);
  const patterns = [...writes.patterns.values()].map((entry) => entry.target);
  const worktree = writes.repo.worktreeRoot;
  const leases = writeLeaseOptions(context, worktree, writes.repo.gitDir);
  const checkOnly = { ...leases.options, checkOnly: true };
  const result = await withStore(context, async (store) => {
    await ensureSession(store, context);
    const holder = holderOf(context);
    const blocked = patterns.length === 0 ? [] : await overlappingLeases(store, patterns, holder);
    if (beyond.length > 0) blocked.push(...(await acquire(store, context.sessionId, beyond, checkOnly)).conflicts);
    if (leased.length === 0) return { conflicts: blocked, othersChanges: null };
    const taken = await acquire(store, context.sessionId, leased, blocked.length > 0 ? checkOnly : leases.options);
    if (blocked.length > 0 || !taken.ok) return { conflicts: blocked.concat(taken.conflicts), othersChanges: null };
    return { conflicts: [], othersChanges: othersChangesContext(taken, await sharersOf(store, taken, leased, holder), leases.git, worktree) };
  });
  if (!result.ok) return result.problem;
  return { conflicts: withWrites(result.value.conflicts, writes), othersChanges: result.value.othersChanges };
}

type WriteConflict = Conflict & { write: PlannedWrite; label: string };

function withWrites(conflicts: Conflict[], writes: RepoWrites): WriteConflict[] {
  return conflicts.map((conflict) => {
    const file = writes.files.get(conflict.pattern);
    if (file !== undefined) return { ...conflict, write: file, label: shellWord(conflict.pattern) };
    const { write, label } = writes.patterns.get(conflict.pattern)!;
    return { ...conflict, write, label };
  });
}

const MAX_PART_LENGTH = 160;

function denialReason(denials: Denied[]): string {
  const now = Date.now();
  const lines = ['agent-lease denied this command before it ran: it would write files that another session is working on.'];
  const asked: string[] = [];
  for (const denial of denials) {
    const byLabel = new Map<string, WriteConflict[]>();
    for (const conflict of denial.conflicts) byLabel.set(conflict.label, [...(byLabel.get(conflict.label) ?? []), conflict]);
    for (const [label, conflicts] of byLabel) {
      const where = denial.own ? '' : ` (in the repository at ${shellWord(denial.repo.worktreeRoot)})`;
      lines.push(`${label}${where}, written by \`${commandPart(conflicts[0]!.write.part)}\`:`);
      lines.push(...conflictLines(conflicts, now).map((line) => `  ${line}`));
      const held = shellWord(conflicts[0]!.held.pattern);
      asked.push(denial.own ? `agent-lease who ${held}` : `cd ${shellWord(denial.repo.worktreeRoot)} && agent-lease who ${held}`);
    }
  }
  lines.push(
    'Do not run this command now, and do not write these files another way (a commit touching them would be refused). ' +
      `Run the parts that write other files on their own, and come back to these later: \`${asked[0]}\` shows whether ${asked.length === 1 ? 'it is' : 'they are'} still held. ` +
      'A lease ends when its session releases it, stops with no pending change to the file, ends, or at the latest when it expires.',
    nextSteps(
      [...new Set(denials.flatMap((denial) => denial.conflicts.map((conflict) => conflict.held.pattern)))],
      denials.flatMap((denial) => denial.conflicts),
      now,
    ),
  );
  return lines.join('\n');
}

/** The command part on one line, shortened: it is quoted to the model, not run. */
function commandPart(part: string): string {
  const oneLine = part.replace(/\s+/g, ' ').replace(/`/g, "'").trim();
  return oneLine.length <= MAX_PART_LENGTH ? oneLine : `${oneLine.slice(0, MAX_PART_LENGTH - 1)}…`;
}

function storeFailure(context: EventContext, problem: string): Verdict {
  if (context.config.hooks.onStoreError === 'deny') {
    return {
      deny: `${problem}. Commands that write files are denied until the store works again (hooks.onStoreError is "deny"); tell the user.`,
      userMessage: problem,
    };
  }
  return { userMessage: `${problem}; the command's writes were not checked against other sessions' leases` };
}
