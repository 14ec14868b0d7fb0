// Liveness across hosts (team mode). A session's agent process can only be checked on the host it
// runs on; anywhere else the session counts as alive while its heartbeat, `last_seen_at`, is
// fresh. Every hook call bumps it, and the resident MCP server bumps it on a timer while its agent
// runs, so the window is set well above the longest gap between hooks of a working session (a
// Bash call may run 10 minutes). Compared with this host's clock: hosts' clocks disagree by
// seconds, the window is half an hour.
import { ON_THIS_HOST_SQL, thisHostParams } from './host';
import type { ProcessIdentity } from './processes';
import { run, type Store } from './store';

export const HEARTBEAT_WINDOW_MS = 30 * 60_000;

/** How often the resident MCP server bumps its session's heartbeat. */
export const HEARTBEAT_INTERVAL_MS = 60_000;

export function heartbeatFresh(lastSeenAt: number, now = Date.now()): boolean {
  return now - lastSeenAt < HEARTBEAT_WINDOW_MS;
}

/** Bumps the heartbeat of the open sessions of `agent` (a process on this host): what the resident MCP server does on its timer. */
export function touchProcessSessions(store: Store, agent: ProcessIdentity): Promise<number> {
  return store.write(function* () {
    const sql = `UPDATE sessions SET last_seen_at = ? WHERE pid = ? AND pid_start = ? AND ${ON_THIS_HOST_SQL} AND ended_at IS NULL`;
    return (yield* run(sql, store.now(), agent.pid, agent.startedAt, ...thisHostParams())).changes;
  });
}
