import { acquire } from '../../lib/core/acquire';
import { hasPendingChange } from '../../lib/git/changes';
import { describeHeldLease } from '../../lib/core/lease-wording';
import { formatDuration } from '../../lib/util/duration';
import { EXIT } from '../../lib/util/errors';
import { durationFlag, IDENTITY_HELP, IDENTITY_OPTIONS, parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';
import { commandContext, resolveSession } from '../context';
import { refreshView } from '../view-refresh';
import { writeErr, writeJson, writeOut } from '../output';
import { toHeldView, toLeaseView } from '../status-view';
import { repoPattern } from '../path-arguments';

const USAGE = `usage: agent-lease claim <pattern...> [--task TEXT] [--ttl 45m] [--shared] [--partial] [--force] [--glob] [--json]

Leases paths or globs (relative to the current directory) for your session, all or nothing: when
another session holds an overlapping lease, lists the conflicts, grants nothing and exits 1.

  --task TEXT     why, shown to the others (e.g. "auth refactor")
  --ttl DURATION  how long: 90s, 45m, 2h (default: ttl.claim in .agent-lease.json, else 1h)
  --shared        a shared lease: others may hold shared leases on the same paths
  --partial       grant the patterns that are free even when others conflict (still exits 1)
  --force         allow a glob that covers the whole repository (such as **), or act for
                  another agent's session with --session (logged)
  --glob          take every pattern as a glob, even one that names an existing file
                  (without it, app/[slug]/page.tsx that exists is that file)
  --json          print {"ok", "session", "granted", "renewed", "conflicts"}
${IDENTITY_HELP}`;

const OPTIONS = {
  ...IDENTITY_OPTIONS,
  task: { type: 'string' },
  ttl: { type: 'string' },
  shared: { type: 'boolean' },
  partial: { type: 'boolean' },
  force: { type: 'boolean' },
  glob: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    if (positionals.length === 0) throw usageError('name at least one path or glob to claim', USAGE);
    const ttlMs = durationFlag(values.ttl, '--ttl', USAGE);
    const context = commandContext();
    const patterns = positionals.map((argument) => repoPattern(argument, context, { glob: values.glob === true }));
    const session = await resolveSession(context, values, 'claim');
    const store = context.store();
    const result = await acquire(store, session.id, patterns, {
      mode: values.shared ? 'shared' : 'exclusive',
      ttlMs: ttlMs ?? context.config.ttl.claimMs,
      task: values.task ?? null,
      source: 'claim',
      partial: values.partial === true,
      allowEverything: values.force === true,
      pendingChange: hasPendingChange,
    });
    if (result.granted.length > 0 || result.renewed.length > 0) await refreshView(context);
    const now = store.now();
    if (values.json) {
      const mine = { name: session.name, alive: true };
      writeJson({
        ok: result.ok,
        session: session.id,
        granted: result.granted.map((lease) => toLeaseView(lease, mine, now)),
        renewed: result.renewed.map((lease) => toLeaseView(lease, mine, now)),
        conflicts: result.conflicts.map((conflict) => ({ pattern: conflict.pattern, held: toHeldView(conflict.held, now) })),
      });
    } else {
      for (const [verb, leases] of [
        ['granted', result.granted],
        ['renewed', result.renewed],
      ] as const) {
        for (const lease of leases) {
          writeOut(`${verb} ${lease.pattern} (${lease.mode}, ${formatDuration(lease.expiresAt.getTime() - now)}, token ${lease.token})`);
        }
      }
      for (const conflict of result.conflicts) writeOut(`conflict ${conflict.pattern}: ${describeHeldLease(conflict.held, now)}`);
    }
    if (result.ok) return EXIT.ok;
    writeErr(
      values.partial
        ? `agent-lease claim: ${result.conflicts.length} conflict(s); ${result.granted.length + result.renewed.length === 0 ? 'nothing was free, so nothing was granted' : 'the free patterns were granted'}`
        : `agent-lease claim: ${result.conflicts.length} conflict(s); nothing was granted (ask the holder, wait, or use --partial for the free patterns)`,
    );
    return EXIT.conflict;
  },
};
