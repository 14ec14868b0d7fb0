// The commit guard's decision: which staged files another live session holds exclusively, given
// who is committing. Git runs first, outside any transaction (git/changes.ts: stagedPaths); the
// leases of every staged path are then read in one snapshot.
import { userInfo } from 'node:os';
import { shellWord } from '../util/text';
import { coverage } from '../core/lease-queries';
import type { HeldLease } from '../core/lease-types';
import { describeHeldLease } from '../core/lease-wording';
import { recordEvent } from '../core/events';
import { getSession, sessionsInWorktree } from '../core/sessions';
import type { Store } from '../core/store';

export interface Committer {
  /** The committing session, or null for a person with none (blocked by every live lease). */
  sessionId: string | null;
  name: string;
  /** How the committer was recognised. */
  via: 'AGENT_LEASE_SESSION' | 'CLAUDE_CODE_SESSION_ID' | 'worktree session' | 'person';
}

export interface BlockedFile {
  path: string;
  holders: HeldLease[];
}

/**
 * Who is committing: `AGENT_LEASE_SESSION`, else `CLAUDE_CODE_SESSION_ID` (Claude Code's Bash
 * tool), else the one live session registered for this worktree, else a person.
 */
export function resolveCommitter(store: Store, worktreeRoot: string, env: NodeJS.ProcessEnv = process.env): Committer {
  const named = (id: string, via: Committer['via']): Committer => ({ sessionId: id, name: getSession(store, id)?.name ?? id, via });
  if (env.AGENT_LEASE_SESSION) return named(env.AGENT_LEASE_SESSION, 'AGENT_LEASE_SESSION');
  if (env.CLAUDE_CODE_SESSION_ID) return named(env.CLAUDE_CODE_SESSION_ID, 'CLAUDE_CODE_SESSION_ID');
  const here = sessionsInWorktree(store, worktreeRoot);
  if (here.length === 1) return { sessionId: here[0]!.id, name: here[0]!.name, via: 'worktree session' };
  return { sessionId: null, name: env.USER || env.LOGNAME || userInfo().username, via: 'person' };
}

/** The staged files covered by another session's live exclusive lease. */
export function blockedFiles(store: Store, paths: string[], committer: Committer): BlockedFile[] {
  return coverage(store, paths, { except: committer.sessionId, mode: 'exclusive' }).filter((entry) => entry.holders.length > 0);
}

/** Logs that `committer` committed `blocked` files anyway, with AGENT_LEASE_BYPASS=1. */
export function recordBypass(store: Store, committer: Committer, blocked: BlockedFile[]): void {
  store.write(() =>
    recordEvent(store, {
      kind: 'bypass',
      sessionId: committer.sessionId,
      actor: committer.sessionId === null ? committer.name : null,
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
  const patterns = [...new Set(blocked.flatMap((file) => file.holders.map((lease) => lease.pattern)))];
  const example = patterns.length === 1 ? shellWord(patterns[0]!) : '<pattern>';
  lines.push(
    `Committing as ${describeCommitter(committer)}.`,
    'What to do:',
    `  - wait for the holder to finish: a lease ends when released or expired (agent-lease who ${shellWord(blocked[0]!.path)})`,
    `  - ask the holder to release it: agent-lease release ${example} (in their session)`,
    `  - if the holder is gone or the lease is stale: agent-lease release --force ${example}`,
    '  - or commit anyway, and have it logged: AGENT_LEASE_BYPASS=1 git commit ...',
  );
  return lines.join('\n');
}

function describeCommitter(committer: Committer): string {
  if (committer.sessionId === null) return `${committer.name}, a person with no session of their own, so every live lease counts`;
  return committer.name === committer.sessionId
    ? `session ${committer.sessionId} (${committer.via})`
    : `${committer.name}, session ${committer.sessionId} (${committer.via})`;
}
