const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * The longest duration accepted anywhere (a lease's TTL, a retention period). Longer ones are
 * mistakes, and past some size an expiry is no longer a valid date at all.
 */
export const MAX_DURATION_MS = 365 * 86_400_000;
export const MAX_DURATION_TEXT = '365d';

/** `90s`, `45m`, `2h`, `1d` (or a bare number of seconds) to milliseconds; null when not a duration or longer than MAX_DURATION_MS. */
export function parseDuration(text: string | number): number | null {
  if (typeof text === 'number') return isDurationMs(text * 1000) ? Math.round(text * 1000) : null;
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  const ms = Math.round(Number(match[1]) * UNITS[match[2]!]!);
  return isDurationMs(ms) ? ms : null;
}

/** A positive number of milliseconds no longer than MAX_DURATION_MS. */
export function isDurationMs(ms: number): boolean {
  return Number.isFinite(ms) && ms > 0 && ms <= MAX_DURATION_MS;
}

/** A short human form of a duration: `45s`, `12m`, `2h05m`, `3d`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.round(hours / 24)}d`;
}
