import { hasPendingChange } from '../../lib/git/changes';
import { describeHeldLease } from '../../lib/core/lease-wording';
import { waitUntilFree } from '../../lib/core/wait';
import { formatDuration } from '../../lib/util/duration';
import { EXIT } from '../../lib/util/errors';
import { durationFlag, IDENTITY_HELP, IDENTITY_OPTIONS, parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';
import { commandContext, resolveSession } from '../context';
import { refreshView } from '../view-refresh';
import { writeErr, writeOut } from '../output';
import { repoPattern } from '../path-arguments';

const USAGE = `usage: agent-lease wait <pattern...> [--timeout 10m] [--claim] [--task TEXT] [--ttl 45m]

Returns as soon as every path or glob (relative to the current directory) is free for your
session: its leases released with nothing pending, expired, or their holder gone. Free means that
claiming would succeed. Exits 1 at the timeout, naming who still holds what. Ctrl-C stops it.

  --timeout DURATION  how long to wait at most (default 10m)
  --claim             lease the paths to your session in the same transaction that finds them
                      free, so that no other waiter gets them in between
  --task TEXT         with --claim: why, shown to the others
  --ttl DURATION      with --claim: how long (default: ttl.claim in .agent-lease.json, else 1h)
${IDENTITY_HELP}`;

const OPTIONS = {
  ...IDENTITY_OPTIONS,
  timeout: { type: 'string' },
  claim: { type: 'boolean' },
  task: { type: 'string' },
  ttl: { type: 'string' },
} as const;

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    if (positionals.length === 0) throw usageError('name at least one path or glob to wait for', USAGE);
    if (!values.claim && (values.task !== undefined || values.ttl !== undefined)) throw usageError('--task and --ttl go with --claim', USAGE);
    const timeoutMs = durationFlag(values.timeout, '--timeout', USAGE) ?? DEFAULT_TIMEOUT_MS;
    const ttlMs = durationFlag(values.ttl, '--ttl', USAGE);
    const context = commandContext();
    const targets = positionals.map((argument) => repoPattern(argument, context));
    const session = await resolveSession(context, values, 'wait');
    const interrupt = new AbortController();
    const stop = (): void => interrupt.abort();
    process.once('SIGINT', stop).once('SIGTERM', stop);
    try {
      const outcome = await waitUntilFree(context.store(), session.id, targets, {
        timeoutMs,
        claim: values.claim === true,
        task: values.task ?? null,
        ttlMs: ttlMs ?? context.config.ttl.claimMs,
        pendingChange: hasPendingChange,
        signal: interrupt.signal,
        onHeld: (held) => {
          const now = Date.now();
          writeErr('agent-lease wait: waiting (Ctrl-C stops), held now by:');
          for (const conflict of held.conflicts) writeErr(`- ${describeHeldLease(conflict.held, now)}`);
        },
      });
      const now = Date.now();
      if (!outcome.free) {
        writeErr(`agent-lease wait: still held after ${formatDuration(outcome.waitedMs)}:`);
        for (const conflict of outcome.result.conflicts) writeErr(`- ${describeHeldLease(conflict.held, now)}`);
        return EXIT.conflict;
      }
      if (values.claim) {
        await refreshView(context);
        for (const lease of [...outcome.result.granted, ...outcome.result.renewed]) {
          writeOut(`granted ${lease.pattern} (${lease.mode}, ${formatDuration(lease.expiresAt.getTime() - now)}, token ${lease.token})`);
        }
      } else {
        writeOut(`free: ${targets.map((target) => target.pattern).join(' ')}`);
      }
      return EXIT.ok;
    } finally {
      process.off('SIGINT', stop).off('SIGTERM', stop);
    }
  },
};
