// SessionStart: registers (or refreshes) the session with its agent process, carries the leases of
// the same process's previous session id over after /clear, a resume or a compaction, exports the
// session id to the session's Bash commands (for the commit guard), makes sure the commit guard
// runs in this worktree (a fresh `git worktree add` may run no hook at all), and tells the model
// what other sessions hold and how to claim an area.
import { appendFileSync } from 'node:fs';
import { describeError } from '../lib/util/errors';
import { ensureGuardActive } from '../lib/guard/install';
import { listLeases, liveLeaseSummary, type HeldLease } from '../lib/core/leases';
import { findAgentProcess } from '../lib/core/processes';
import { carryOverLeases, registerSession } from '../lib/core/sessions';
import { hookContext, sessionRegistration, withStore, type HookContext } from '../lib/decisions/context';
import { leaseLines } from '../lib/decisions/wording';
import { optionalString } from './input';
import { addContext } from './output';
import type { HookInput, HookOutcome } from './types';

/** Sources on which Claude Code gives the same running agent a new session id. */
const CARRY_OVER_SOURCES = new Set(['clear', 'resume', 'compact']);
const MAX_LEASE_LINES = 20;

export function handle(input: HookInput): HookOutcome {
  const source = optionalString(input, 'source') ?? 'startup';
  const context = hookContext(input);
  if (context === null) return {};
  const warnings = context.warnings;
  const envProblem = exportSessionId(context.sessionId);
  if (envProblem !== null) warnings.push(envProblem);
  const guard = ensureGuardActive(context.repo.worktreeRoot);
  if (guard.problem !== undefined) warnings.push(`agent-lease: commits in this worktree are NOT checked: ${guard.problem}`);
  else if (guard.repaired) warnings.push('agent-lease: the commit guard was not active in this worktree and has been repaired');

  const agent = findAgentProcess();
  const result = withStore(context, (store) => {
    registerSession(store, sessionRegistration(context, agent));
    const carriedFrom = CARRY_OVER_SOURCES.has(source) && agent !== null ? carryOverLeases(store, context.sessionId, agent) : [];
    const others = liveLeaseSummary(store, { exceptSession: context.sessionId, limit: MAX_LEASE_LINES });
    const mine = listLeases(store, { sessionId: context.sessionId });
    return { carriedFrom, others, mine };
  });
  if (!result.ok) {
    warnings.push(`${result.problem}; files are NOT being leased in this session`);
    return addContext('SessionStart', unavailableText(result.problem), warnings.join('\n'));
  }
  return addContext('SessionStart', briefing(context, result.value), warnings.length > 0 ? warnings.join('\n') : undefined);
}

/**
 * Appends `export AGENT_LEASE_SESSION=<id>` to the file Claude Code sources before each Bash
 * command of this session, so that `git commit` (and the CLI) know which session is acting.
 */
function exportSessionId(sessionId: string): string | null {
  const envFile = process.env.CLAUDE_ENV_FILE;
  if (!envFile) return null;
  try {
    appendFileSync(envFile, `export AGENT_LEASE_SESSION=${shellQuote(sessionId)}\n`);
    return null;
  } catch (error) {
    return `agent-lease: could not write to CLAUDE_ENV_FILE ${envFile} (${describeError(error)}); commits from this session's Bash tool will not be recognised as its own`;
  }
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function briefing(context: HookContext, state: { carriedFrom: string[]; others: { leases: HeldLease[]; total: number }; mine: HeldLease[] }): string {
  const lines = [
    `agent-lease coordinates the agents working on this repository. Before each file edit a hook leases the file to this session (${context.sessionId}); ` +
      'an edit to a file another live session holds is denied, and so is a commit that touches one.',
  ];
  if (state.carriedFrom.length > 0) {
    lines.push(`This session keeps the ${state.mine.length} lease(s) of its previous session id (${state.carriedFrom.join(', ')}).`);
  }
  if (state.others.total === 0) {
    lines.push('No other session holds any file right now.');
  } else {
    lines.push('Files other sessions hold now (do not edit these; plan your work around them):', ...leaseLines(state.others.leases, state.others.total, Date.now()));
  }
  lines.push(
    'To reserve a whole area before you start on it, run: agent-lease claim \'src/auth/**\' --task "what you are doing" ' +
      '(`agent-lease status` lists every lease, `agent-lease release <pattern>` gives one back).',
  );
  return lines.join('\n');
}

function unavailableText(problem: string): string {
  return `agent-lease is installed in this repository but cannot work right now (${problem}): edits are not being leased. Mention this to the user.`;
}
