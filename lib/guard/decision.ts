// The commit guard's decision: which staged files another live session holds exclusively, given
// who is committing. Git runs first, outside any transaction; the leases of every staged path are
// then read in one snapshot.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { formatDuration } from '../util/duration';
import { AgentLeaseError, describeError } from '../util/errors';
import { shellWord } from '../util/text';
import { coverage } from '../core/lease-queries';
import { type HeldLease } from '../core/lease-types';
import { recordEvent } from '../core/events';
import { git } from '../git/repo';
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
 * The repository-relative paths the commit being made changes: additions, modifications and
 * deletions, and both sides of a rename (rename detection is off, so a rename is its deletion and
 * its addition). Judged against the index git points the hook at (`GIT_INDEX_FILE`, inherited),
 * which is what `commit -a` and `commit <paths>` really commit.
 *
 * Concluding a merge (`MERGE_HEAD` in `gitDir`), a path counts only where the result differs from
 * every side: a file taken as it is from the merged branch is that branch's work, not an edit.
 */
export function stagedPaths(cwd: string, gitDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const changed = changedPaths(cwd, env, null);
  const merged = mergeHeads(gitDir);
  if (merged.length === 0) return changed;
  const againstEachSide = merged.map((head) => new Set(changedPaths(cwd, env, head)));
  return changed.filter((path) => againstEachSide.every((paths) => paths.has(path)));
}

/** Paths whose staged content differs from `against`; null: from HEAD, or from nothing before the first commit. */
function changedPaths(cwd: string, env: NodeJS.ProcessEnv, against: string | null): string[] {
  let out: string;
  try {
    const rev = against === null ? [] : [against];
    out = git(cwd, ['diff', '--cached', '--name-status', '-z', '--no-renames', '--no-color', '--no-ext-diff', ...rev, '--'], { env });
  } catch (error) {
    const said = String((error as { stderr?: unknown }).stderr ?? '').trim().split('\n')[0];
    throw new AgentLeaseError(`cannot list the files being committed (git diff --cached: ${said || describeError(error)})`);
  }
  const fields = out.split('\0');
  const paths = new Set<string>();
  // -z output: status, NUL, path, NUL, for every entry.
  for (let i = 0; i + 1 < fields.length; i += 2) paths.add(fields[i + 1]!);
  return [...paths];
}

function mergeHeads(gitDir: string): string[] {
  try {
    return readFileSync(join(gitDir, 'MERGE_HEAD'), 'utf8').split('\n').filter((line) => /^[0-9a-f]{40,64}$/.test(line));
  } catch {
    return [];
  }
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
        files: blocked.map((file) => ({ path: file.path, heldBy: file.holders.map((lease) => ({ session: lease.sessionId, token: lease.token, pattern: lease.pattern })) })),
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
    for (const lease of file.holders) lines.push(`    ${describeHolder(lease, file.path, now)}`);
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

function describeHolder(lease: HeldLease, path: string, now: number): string {
  const holder = lease.holder;
  const parts = [`held by ${holder.name} (${holder.runtime})`];
  if (lease.task) parts.push(`for "${lease.task}"`);
  if (holder.worktree || holder.branch) parts.push(`in ${[holder.worktree, holder.branch && `on ${holder.branch}`].filter(Boolean).join(' ')}`);
  parts.push(`${formatDuration(lease.expiresAt.getTime() - now)} left`);
  const through = lease.pattern === path ? '' : ` through ${lease.pattern}`;
  return `${parts.join(', ')} (lease #${lease.token}${through})`;
}

function describeCommitter(committer: Committer): string {
  if (committer.sessionId === null) return `${committer.name}, a person with no session of their own, so every live lease counts`;
  return committer.name === committer.sessionId ? `session ${committer.sessionId} (${committer.via})` : `${committer.name}, session ${committer.sessionId} (${committer.via})`;
}

