import { formatDuration } from '../../lib/util/duration';
import { EXIT } from '../../lib/util/errors';
import { describeHeldLease } from '../../lib/core/lease-wording';
import { renew } from '../../lib/core/renew';
import type { HeldLease, Lease } from '../../lib/core/lease-types';
import { durationFlag, IDENTITY_HELP, IDENTITY_OPTIONS, parseCommandArgs } from '../args';
import type { Command } from '../command';
import { actingIdentity, commandContext } from '../context';
import { shortSessionId } from '../../lib/core/sessions';
import { refreshView } from '../view-refresh';
import { writeErr, writeJson, writeOut } from '../output';
import { toHeldView, toLeaseView } from '../status-view';
import { repoPattern } from '../path-arguments';

const USAGE = `usage: agent-lease renew [pattern...] [--ttl 45m] [--force] [--json]

Extends your session's live leases: all of them, or those on the named patterns. Exits 1 when a
named pattern is not a live lease of yours.

  --ttl DURATION  from now: 90s, 45m, 2h (default: ttl.edit for edit leases and ttl.claim for
                  the others, from .agent-lease.json, else 15m and 1h)
  --force         act for another agent's session with --session (logged)
  --json          print {"renewed": [...], "refused": [...], "unmatched": [...]}
${IDENTITY_HELP}`;

const OPTIONS = {
  ...IDENTITY_OPTIONS,
  ttl: { type: 'string' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    const ttlMs = durationFlag(values.ttl, '--ttl', USAGE);
    const context = commandContext();
    const patterns = positionals.map((argument) => repoPattern(argument, context).pattern);
    const store = context.existingStore();
    const { id } = await actingIdentity(store, values, 'renew');
    const renewed: Lease[] = [];
    const refused: HeldLease[] = [];
    if (store !== null) {
      const batches =
        ttlMs !== undefined
          ? [{ ttlMs }]
          : [
              { ttlMs: context.config.ttl.editMs, sources: ['edit' as const] },
              { ttlMs: context.config.ttl.claimMs, sources: ['claim' as const, 'file' as const] },
            ];
      for (const batch of batches) {
        const result = await renew(store, id, { ...batch, patterns });
        renewed.push(...result.renewed);
        refused.push(...result.refused);
      }
    }
    if (renewed.length > 0) await refreshView(context);
    const touched = new Set([...renewed, ...refused].map((lease) => lease.pattern));
    const unmatched = patterns.filter((pattern) => !touched.has(pattern));
    const now = Date.now();
    if (values.json) {
      writeJson({
        renewed: renewed.map((lease) => toLeaseView(lease, { name: id, alive: true }, now)),
        refused: refused.map((lease) => toHeldView(lease, now)),
        unmatched,
      });
    } else {
      for (const lease of renewed) writeOut(`renewed ${lease.pattern} (${formatDuration(lease.expiresAt.getTime() - now)} left, token ${lease.token})`);
      for (const lease of refused) writeOut(`not renewed ${lease.pattern}: ${describeHeldLease(lease, now)}`);
      for (const pattern of unmatched) writeErr(`agent-lease renew: ${shortSessionId(id)} holds no live lease on ${pattern}`);
      if (patterns.length === 0 && renewed.length === 0) writeErr(`agent-lease renew: ${shortSessionId(id)} holds no live leases`);
    }
    return refused.length > 0 || unmatched.length > 0 ? EXIT.conflict : EXIT.ok;
  },
};
