// What a lease is, as the rest of agent-lease sees it.

export type LeaseMode = 'exclusive' | 'shared';
/** `branch`: a branch hold (lib/core/branch-holds.ts), kept in its own table. */
export type LeaseSource = 'edit' | 'claim' | 'file' | 'branch';

export interface Lease {
  token: number;
  pattern: string;
  glob: boolean;
  mode: LeaseMode;
  sessionId: string;
  task: string | null;
  source: LeaseSource;
  acquiredAt: Date;
  expiresAt: Date;
  releasedAt: Date | null;
  releaseReason: string | null;
  /** The worktree the protected change lives in, when recorded (edits); else the holder's. */
  worktree: string | null;
  /** The subagent of the holder session that holds it; null: the session's main thread. */
  agentId: string | null;
}

/** A lease with what others need to know about its holder. */
export interface HeldLease extends Lease {
  holder: { id: string; name: string; runtime: string; worktree: string | null; branch: string | null; alive: boolean };
  /** For a branch hold: the holding branch, its commit when the hold began, and the session whose lease it was. */
  hold?: { branch: string; commit: string | null; sessionId: string | null };
}

export interface Conflict {
  /** The pattern that was asked for. */
  pattern: string;
  held: HeldLease;
}
