// The resident server's heartbeat: while its agent runs, the agent's sessions stay seen, even
// through long gaps between hooks (a user away, a long Bash call), so that other hosts count them
// alive (lib/core/heartbeat.ts). It uses the server's own store; a failed beat is skipped (the
// next one, or the next hook, catches up).
import { HEARTBEAT_INTERVAL_MS, touchProcessSessions } from '../lib/core/heartbeat';
import { identify } from '../lib/core/processes';
import type { Store } from '../lib/core/store';

/** Beats for the agent that started this process (its parent) every `intervalMs`; returns how to stop. */
export function startHeartbeat(store: () => Store, intervalMs = HEARTBEAT_INTERVAL_MS): () => void {
  const agent = identify(process.ppid);
  const timer = setInterval(() => {
    if (agent === null) return;
    try {
      touchProcessSessions(store(), agent).catch(() => undefined);
    } catch {
      // No store to use here: the lease tools say why when they are called.
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
