import { EVENT_KINDS, readEvents, type EventKind, type LeaseEvent } from '../../lib/core/events';
import { durationFlag, parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';
import { commandContext } from '../context';
import { plainText } from '../../lib/util/text';
import { resolveSessionRef, shortSessionId } from '../../lib/core/sessions';
import { table, writeJson, writeOut } from '../output';

const USAGE = `usage: agent-lease log [--since 1h] [--session ID] [--kind KIND] [--json]

The event log, oldest first: grants, renewals, denials, releases, expiries, takeovers, forced
releases, refused and bypassed commits, sessions starting and ending. Changes nothing. Sessions
are shown as status shows them (the first 8 characters of a UUID); --json keeps full ids.

  --since DURATION  only the last 90s, 45m, 2h, 1d
  --session ID      only events of this session (as holder or as the one who acted); any unique
                    prefix of its id
  --kind KIND       only events of this kind (repeatable): ${EVENT_KINDS.join(', ')}
  --json            print [{"id", "at", "kind", "sessionId", "actor", "token", "pattern", "detail"}]`;

const OPTIONS = {
  since: { type: 'string' },
  session: { type: 'string' },
  kind: { type: 'string', multiple: true },
  json: { type: 'boolean' },
} as const;

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]}"`, USAGE);
    const sinceMs = durationFlag(values.since, '--since', USAGE);
    const kinds = values.kind ?? [];
    const unknown = kinds.find((kind) => !(EVENT_KINDS as readonly string[]).includes(kind));
    if (unknown !== undefined) throw usageError(`unknown event kind "${unknown}"`, USAGE);
    const store = commandContext().existingStore();
    const events =
      store === null
        ? []
        : await readEvents(store, {
            ...(sinceMs === undefined ? {} : { sinceMs: Date.now() - sinceMs }),
            ...(values.session === undefined ? {} : { sessionId: await resolveSessionRef(store, values.session) }),
            kinds: kinds as EventKind[],
          });
    if (values.json) {
      writeJson(events.map((event) => ({ ...event, at: event.at.toISOString() })));
    } else if (events.length === 0) {
      writeOut('No events.');
    } else {
      writeOut(
        table(
          ['TIME', 'EVENT', 'SESSION', 'PATTERN', 'DETAIL'],
          events.map((event) =>
            [localTime(event.at), event.kind, event.sessionId === null ? '-' : shortSessionId(event.sessionId), event.pattern ?? '-', summarize(event)].map(
              (cell) => plainText(cell, 2000),
            ),
          ),
        ),
      );
    }
    return 0;
  },
};

function localTime(at: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

/** The event's token, actor and details as `key=value` words; times as ISO, held-by lists by holder, session ids short. */
function summarize(event: LeaseEvent): string {
  const words: string[] = [];
  if (event.token !== null) words.push(`token=${event.token}`);
  if (event.actor !== null) words.push(`by=${shortSessionId(event.actor)}`);
  for (const [key, value] of Object.entries(event.detail ?? {})) {
    if (value === null || value === undefined) continue;
    if (key === 'heldBy' && Array.isArray(value)) {
      words.push(`heldBy=${heldBy(value)}`);
    } else if (key === 'files' && Array.isArray(value)) {
      const files = value as Array<{ path: string; heldBy?: HeldBy[] }>;
      words.push(`files=${files.map((file) => file.path).join(',')}`, `heldBy=${heldBy(files.flatMap((file) => file.heldBy ?? []))}`);
    } else if (key.endsWith('At') && typeof value === 'number') {
      words.push(`${key}=${new Date(value).toISOString()}`);
    } else {
      words.push(`${key}=${typeof value === 'object' ? JSON.stringify(value) : shortSessionId(String(value))}`);
    }
  }
  return words.join(' ');
}

type HeldBy = { session?: string; pattern?: string };

function heldBy(held: HeldBy[]): string {
  return [...new Set(held.map((one) => `${shortSessionId(String(one.session))}:${one.pattern}`))].join(',');
}
