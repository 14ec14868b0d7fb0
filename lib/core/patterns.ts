// Patterns as a person or a tool gives them, checked and normalized before anything is leased.
import { AgentLeaseError } from '../util/errors';
import { isDurationMs, MAX_DURATION_TEXT } from '../util/duration';

/** Normalizes a pattern as given by a person or a tool, or explains in one line why it is unusable. */
export function normalizePattern(pattern: string): string {
  // Not trimmed: a file name may begin or end with a space, and must be leased as it is.
  if (pattern.trim() === '') throw new AgentLeaseError('empty pattern');
  if (pattern.includes('\0')) throw new AgentLeaseError('pattern contains a NUL byte');
  if (pattern.startsWith('/')) throw new AgentLeaseError(`pattern must be relative to the repository root: ${pattern}`);
  const segments = pattern.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw new AgentLeaseError(`pattern must not contain "..": ${pattern}`);
  if (segments.length === 0) throw new AgentLeaseError(`pattern names the repository root: ${pattern}`);
  return segments.join('/');
}

/** A lease's time to live, checked. */
export function validTtl(ttlMs: number): number {
  if (!isDurationMs(ttlMs)) throw new AgentLeaseError(`a lease's time to live must be more than 0 and at most ${MAX_DURATION_TEXT}, not ${ttlMs} ms`);
  return ttlMs;
}
