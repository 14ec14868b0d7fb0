// A session's start: registers (or refreshes) the session with its agent process, carries the
// leases of the same process's previous session id over after /clear, a resume or a compaction,
// exports the session id to the session's shell commands (for the commit guard), makes sure the
// commit guard runs in this worktree (a fresh `git worktree add` may run no hook at all), and tells
// the model what other sessions hold and how to claim an area.
import { appendFileSync } from 'node:fs';
import { liveHoldLeases } from '../core/branch-holds';
import { listLeases, liveLeaseSummary } from '../core/lease-queries';
import type { HeldLease } from '../core/lease-types';
import { findAgentProcess } from '../core/processes';
import { carryOverLeases, registerSession } from '../core/sessions';
import { currentBranch } from '../git/repo';
import { ensureGuardActive } from '../guard/state';
import { binaryDirToExport } from '../util/binary';
import { describeError } from '../util/errors';
import { shellWord } from '../util/text';
import { eventContext, sessionRegistration, withStore, type AgentEvent, type EventContext } from './context';
import { forgetStaleWorktrees } from './session-worktrees';
import type { Verdict } from './verdict';
import { leaseLines } from './wording';

/** Sources on which Claude Code gives the same running agent a new session id. */
const CARRY_OVER_SOURCES = new Set(['clear', 'resume', 'compact']);
const MAX_LEASE_LINES = 20;

export interface SessionStart {
  /** Why the session starts: `startup`, `clear`, `resume`, `compact`. */
  source: string;
  /** A file the client sources before each shell command (Claude Code's CLAUDE_ENV_FILE). */
  envFile?: string | undefined;
  /** The agent-lease binary this hook runs as, to be the one the session's shell runs too. */
  binary?: string | undefined;
}

export async function startSession(event: AgentEvent, start: SessionStart): Promise<Verdict> {
  const context = eventContext(event);
  if (context === null) return {};
  const warnings = context.warnings;
  const envProblem = start.envFile ? exportToShell(start.envFile, context.sessionId, start.binary) : null;
  if (envProblem !== null) warnings.push(envProblem);
  const guard = ensureGuardActive(context.repo.worktreeRoot);
  if (guard.problem !== undefined) warnings.push(`agent-lease: commits in this worktree are NOT checked: ${guard.problem}`);
  else if (guard.done === 'installed') warnings.push('agent-lease: installed the commit guard in this worktree');
  else if (guard.done === 'repaired') warnings.push('agent-lease: the commit guard was not active in this worktree and has been repaired');
  const agent = findAgentProcess();
  const result = await withStore(context, async (store) => {
    await registerSession(store, sessionRegistration(context, agent));
    const carriedFrom = CARRY_OVER_SOURCES.has(start.source) && agent !== null ? await carryOverLeases(store, context.sessionId, agent) : [];
    const others = await liveLeaseSummary(store, { exceptSession: context.sessionId, limit: MAX_LEASE_LINES });
    const mine = await listLeases(store, { sessionId: context.sessionId });
    const branch = currentBranch(context.repo.gitDir);
    const held = (await liveHoldLeases(store)).filter((lease) => lease.hold?.branch !== branch);
    const holds = { leases: held.slice(0, MAX_LEASE_LINES), total: held.length };
    return { carriedFrom, others, mine, holds };
  });
  const { ttl, branchHolds } = context.config;
  forgetStaleWorktrees(Math.max(ttl.editMs, ttl.claimMs, branchHolds.ttlMs), context.sessionId);
  if (!result.ok) {
    warnings.push(`${result.problem}; files are NOT being leased in this session`);
    return { modelContext: unavailableText(result.problem), userMessage: warnings.join('\n') };
  }
  return { modelContext: briefing(context, result.value), ...(warnings.length > 0 ? { userMessage: warnings.join('\n') } : {}) };
}

/**
 * Appends `export AGENT_LEASE_SESSION=<id>` to the file the client sources before each shell
 * command of this session, so that `git commit` (and the CLI) know which session is acting, and
 * puts the directory of this very binary first on that shell's PATH: the briefing and every
 * denial tell the model to run `agent-lease ...`, and Claude Code's Bash tool has no
 * node_modules/.bin on its PATH (a linked worktree has no node_modules at all).
 */
function exportToShell(envFile: string, sessionId: string, binary: string | undefined): string | null {
  const dir = binaryDirToExport(binary, process.env.PATH);
  const lines = [`export AGENT_LEASE_SESSION=${shellWord(sessionId)}`, ...(dir === null ? [] : [`export PATH=${shellWord(dir)}:"$PATH"`])];
  try {
    appendFileSync(envFile, `${lines.join('\n')}\n`);
    return null;
  } catch (error) {
    return `agent-lease: could not write to CLAUDE_ENV_FILE ${envFile} (${describeError(error)}); commits from this session's Bash tool will not be recognised as its own, and \`agent-lease\` may not run there`;
  }
}

function briefing(
  context: EventContext,
  state: { carriedFrom: string[]; others: { leases: HeldLease[]; total: number }; mine: HeldLease[]; holds: { leases: HeldLease[]; total: number } },
): string {
  const lines = [
    `agent-lease coordinates the agents working on this repository. Before each file edit a hook leases the file to this session (${context.sessionId}); ` +
      'an edit to a file another live session holds is denied, and so is a commit that touches one.',
    storeSentence(context),
  ];
  if (state.carriedFrom.length > 0) {
    lines.push(`This session keeps the ${state.mine.length} lease(s) of its previous session id (${state.carriedFrom.join(', ')}).`);
  }
  if (state.others.total === 0) {
    lines.push('No other session holds any file right now.');
  } else {
    lines.push(
      'Files other sessions hold now (do not edit these; plan your work around them):',
      ...leaseLines(state.others.leases, state.others.total, Date.now()),
    );
  }
  if (state.holds.total > 0) {
    lines.push(
      'Files other branches changed and have not merged yet (editing them here would conflict at merge; merge that branch first if you must build on it):',
      ...leaseLines(state.holds.leases, state.holds.total, Date.now()),
    );
  }
  lines.push(
    'To reserve a whole area before you start on it, run: agent-lease claim \'src/auth/**\' --task "what you are doing" ' +
      '(`agent-lease status` lists every lease, `agent-lease release <pattern>` gives one back).',
  );
  return lines.join('\n');
}

/** Which store the leases are in; in team mode, that they are shared beyond this machine. */
function storeSentence(context: EventContext): string {
  if (!('engine' in context.store) || context.store.engine === 'sqlite')
    return "The leases are kept in this repository's own store, shared by its worktrees on this machine.";
  return `Team mode: the leases are kept on PostgreSQL ${context.store.server} (repository ${context.store.repository.id}), shared by every clone and machine working on this repository.`;
}

function unavailableText(problem: string): string {
  return `agent-lease is installed in this repository but cannot work right now (${problem}): edits are not being leased. Mention this to the user.`;
}
