// The commit guard's decision: which staged files another live session holds exclusively, given
// who is committing. Git runs first, outside any transaction (git/changes.ts: stagedPaths); the
// leases of every staged path are then read in one snapshot.
import { userInfo } from 'node:os';
import { shellWord } from '../util/text';
import { coverage } from '../core/lease-queries';
import type { HeldLease } from '../core/lease-types';
import { describeHeldLease } from '../core/lease-wording';
import { recordEvent } from '../core/events';
import { ancestorProcesses, underClaudeCode } from '../core/processes';
import { agentSessionOf, getSession } from '../core/sessions';
import type { Store } from '../core/store';
import { standingHolders, type CommitHoldContext } from '../holds/commit-holds';

export interface Committer {
  /** The committing session, or null for a person with none (blocked by every live lease). */
  sessionId: string | null;
  name: string;
  /** How the committer was recognised. */
  via: 'AGENT_LEASE_SESSION' | 'CLAUDE_CODE_SESSION_ID' | 'agent process' | 'person';
  /** Whether an agent is committing: it is told to ask the user, never handed the bypass. */
  agent: boolean;
}

export interface BlockedFile {
  path: string;
  holders: HeldLease[];
}

/**
 * Who is committing, from facts: `AGENT_LEASE_SESSION`, else `CLAUDE_CODE_SESSION_ID` (Claude
 * Code's Bash tool), else the registered agent session whose agent process is an ancestor of this
 * commit, else a person. Never "the session registered in this worktree": a person and an agent
 * often share one.
 */
export async function resolveCommitter(store: Store, env: NodeJS.ProcessEnv = process.env): Promise<Committer> {
  const named = async (id: string, via: Committer['via']): Promise<Committer> => {
    const session = await getSession(store, id);
    return { sessionId: id, name: session?.name ?? id, via, agent: (session !== null && session.runtime !== 'cli') || isAgentEnvironment(env) };
  };
  if (env.AGENT_LEASE_SESSION) return named(env.AGENT_LEASE_SESSION, 'AGENT_LEASE_SESSION');
  if (env.CLAUDE_CODE_SESSION_ID) return named(env.CLAUDE_CODE_SESSION_ID, 'CLAUDE_CODE_SESSION_ID');
  const agentSession = await agentSessionOf(store, ancestorProcesses());
  if (agentSession !== null) return { sessionId: agentSession.id, name: agentSession.name, via: 'agent process', agent: true };
  return { sessionId: null, name: personName(env), via: 'person', agent: isAgentEnvironment(env) };
}

/** Whether the commit runs under an agent, judged without the store (for a refusal when it cannot be read). */
export function isAgentEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.CLAUDE_CODE_SESSION_ID || env.CLAUDE_PID || env.CLAUDECODE) || underClaudeCode();
}

function personName(env: NodeJS.ProcessEnv): string {
  return env.USER || env.LOGNAME || userInfo().username;
}

/**
 * The staged files covered by another session's live exclusive lease, or by another branch's hold
 * that this commit does not integrate (judged with git when `holds` says where the commit is made).
 */
export async function blockedFiles(
  store: Store,
  paths: string[],
  committer: Committer,
  holds?: CommitHoldContext & { branch: string | null },
): Promise<BlockedFile[]> {
  const blocked: BlockedFile[] = [];
  for (const entry of await coverage(store, paths, { except: committer.sessionId, mode: 'exclusive', branch: holds?.branch ?? null })) {
    const holders = holds === undefined ? entry.holders : await standingHolders(store, entry.path, entry.holders, holds);
    if (holders.length > 0) blocked.push({ path: entry.path, holders });
  }
  return blocked;
}

/**
 * What refuses the commit and what only warns: an agent is refused for branch holds as for leases;
 * a person only warned for them, unless branchHolds.personCommits is "refuse".
 */
export function splitBlocked(
  blocked: BlockedFile[],
  committer: Committer,
  personCommits: 'warn' | 'refuse',
): { refused: BlockedFile[]; warned: BlockedFile[] } {
  if (committer.agent || personCommits === 'refuse') return { refused: blocked, warned: [] };
  const part = (hold: boolean) =>
    blocked
      .map((file) => ({ path: file.path, holders: file.holders.filter((lease) => (lease.hold !== undefined) === hold) }))
      .filter((file) => file.holders.length > 0);
  return { refused: part(false), warned: part(true) };
}

/** The warning a person gets for committing files another unmerged branch changed. */
export function describeHoldWarning(warned: BlockedFile[], now: number): string {
  const lines = ['agent-lease guard: warning: another branch has unmerged changes to files of this commit; they may conflict at merge:'];
  for (const file of warned) {
    lines.push(`  ${file.path}`);
    for (const lease of file.holders) lines.push(`    ${describeHeldLease(lease, now)}`);
  }
  lines.push('  Merge that branch first (git merge <branch>) to build on its change; to be refused instead: {"branchHolds": {"personCommits": "refuse"}}.');
  return lines.join('\n');
}

/** Logs a refused commit (`refuse`) or one made anyway with AGENT_LEASE_BYPASS=1 (`bypass`), with its files, holders and committer. */
export function recordGuardEvent(store: Store, kind: 'refuse' | 'bypass', committer: Committer, blocked: BlockedFile[]): Promise<void> {
  return store.write(() =>
    recordEvent(store, {
      kind,
      sessionId: committer.sessionId,
      actor: committer.sessionId === null ? committer.name : null,
      pattern: blocked.length === 1 ? blocked[0]!.path : null,
      detail: {
        committer: committer.name,
        via: committer.via,
        files: blocked.map((file) => ({
          path: file.path,
          heldBy: file.holders.map((lease) => ({ session: lease.sessionId, token: lease.token, pattern: lease.pattern })),
        })),
      },
    }),
  );
}

/** The refusal: every blocked file with its holders, who is committing, and what to do. */
export function describeRefusal(blocked: BlockedFile[], committer: Committer, now: number): string {
  const count = blocked.length === 1 ? '1 staged file is' : `${blocked.length} staged files are`;
  const lines = [`agent-lease guard: commit refused: ${count} held by another session.`];
  for (const file of blocked) {
    lines.push(`  ${file.path}`);
    for (const lease of file.holders) lines.push(`    ${describeHeldLease(lease, now)}`);
  }
  lines.push(`Committing as ${describeCommitter(committer)}.`, ...nextSteps(blocked, committer));
  return lines.join('\n');
}

function nextSteps(blocked: BlockedFile[], committer: Committer): string[] {
  if (committer.agent) {
    return ['Do not try to get around this refusal: tell the user which files are held and by whom, and ask them how to proceed.'];
  }
  const patterns = [...new Set(blocked.flatMap((file) => file.holders.map((lease) => lease.pattern)))];
  const example = patterns.length === 1 ? shellWord(patterns[0]!) : '<pattern>';
  return [
    'What to do:',
    `  - wait for the holder to finish: a lease ends when released or expired (agent-lease who ${shellWord(blocked[0]!.path)})`,
    `  - ask the holder to release it: agent-lease release ${example} (in their session)`,
    `  - if the holder is gone or the lease is stale: agent-lease release --force ${example}`,
    '  - or commit anyway, and have it logged: AGENT_LEASE_BYPASS=1 git commit ...',
  ];
}

function describeCommitter(committer: Committer): string {
  if (committer.sessionId === null) {
    return `${committer.name}, a person (no agent session runs this commit), so every live lease counts; an agent session sets AGENT_LEASE_SESSION=<id>`;
  }
  const who = committer.name === committer.sessionId ? `session ${committer.sessionId}` : `${committer.name}, session ${committer.sessionId}`;
  const how =
    committer.via === 'agent process'
      ? 'this commit runs under its agent process'
      : `from ${committer.via}; if that is not you, unset it or set AGENT_LEASE_SESSION to your own session`;
  return `${who} (${how})`;
}
