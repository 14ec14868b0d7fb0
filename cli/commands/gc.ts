import { formatDuration } from '../../lib/util/duration';
import { gc } from '../../lib/core/gc';
import { durationFlag, parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';
import { commandContext, sessionIdentity } from '../context';
import { refreshView } from '../view-refresh';
import { writeJson, writeOut } from '../output';
import { endIdlePersonSessions, endStaleSessions, shortSessionId } from '../../lib/core/sessions';

const USAGE = `usage: agent-lease gc [--retention 7d] [--json]

Ends sessions whose agent process is gone (releasing their leases) and people's sessions that hold
nothing and have been idle past the retention period, releases expired leases, then deletes
released leases, ended sessions and events older than the retention period.

  --retention DURATION  keep this much history: 12h, 7d (default: retention in .agent-lease.json, else 7d)
  --json                print {"endedSessions", "endedIdle", "reclaimed", "deletedLeases", "deletedSessions", "deletedEvents"}`;

const OPTIONS = { retention: { type: 'string' }, json: { type: 'boolean' } } as const;

export const command: Command = {
  usage: USAGE,
  run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]}"`, USAGE);
    const retentionMs = durationFlag(values.retention, '--retention', USAGE);
    const context = commandContext();
    const store = context.existingStore();
    if (store === null) {
      if (values.json) writeJson({ endedSessions: [], endedIdle: [], reclaimed: 0, deletedLeases: 0, deletedSessions: 0, deletedEvents: 0 });
      else writeOut('No store yet: nothing to collect.');
      return 0;
    }
    const ended = endStaleSessions(store).map((session) => session.id);
    const retention = retentionMs ?? context.config.retentionMs;
    const idle = endIdlePersonSessions(store, retention);
    const result = gc(store, { retentionMs: retention, actor: sessionIdentity({}).id });
    refreshView(context);
    if (values.json) {
      writeJson({ endedSessions: ended, endedIdle: idle, ...result });
    } else {
      writeOut(
        [
          `ended ${ended.length} session(s) whose process is gone${listed(ended)}`,
          `ended ${idle.length} idle session(s) of people holding nothing${listed(idle)}`,
          `released ${result.reclaimed} expired or orphaned lease(s)`,
          `deleted ${result.deletedLeases} lease(s), ${result.deletedSessions} session(s) and ${result.deletedEvents} event(s) older than ${formatDuration(retention)}`,
        ].join('\n'),
      );
    }
    return 0;
  },
};

function listed(ids: string[]): string {
  return ids.length > 0 ? `: ${ids.map(shortSessionId).join(', ')}` : '';
}
