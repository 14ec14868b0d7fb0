// Replays the event log in commit order and reports any path granted to a session while another
// session still held it: the "no double grant" check shared by tests and benchmarks.
import type { LeaseEvent } from '../lib/core/events';

export interface ReplayResult {
  grants: number;
  doubleGrants: string[];
}

const ENDS_A_LEASE = new Set(['release', 'expire', 'takeover', 'force-release']);

export function replayExclusiveGrants(events: LeaseEvent[]): ReplayResult {
  const holders = new Map<string, string>();
  const doubleGrants: string[] = [];
  let grants = 0;
  for (const event of events) {
    if (event.pattern === null) continue;
    if (event.kind === 'grant') {
      grants++;
      const holder = holders.get(event.pattern);
      if (holder !== undefined && holder !== event.sessionId) {
        doubleGrants.push(`event ${event.id}: ${event.pattern} granted to ${event.sessionId} while ${holder} held it`);
      }
      holders.set(event.pattern, event.sessionId!);
    } else if (ENDS_A_LEASE.has(event.kind) && holders.get(event.pattern) === event.sessionId) {
      holders.delete(event.pattern);
    }
  }
  return { grants, doubleGrants };
}
