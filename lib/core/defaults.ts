import type { LeaseSource } from './lease-types';

/** Edit leases are short and renewed by activity; explicit claims last longer. */
export const DEFAULT_TTL_MS: Record<LeaseSource, number> = {
  edit: 15 * 60_000,
  claim: 60 * 60_000,
  file: 60 * 60_000,
  /** A committed change waits for its merge: two weeks before an unmerged branch stops holding it. */
  branch: 14 * 24 * 3_600_000,
};
