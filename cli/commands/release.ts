import { EXIT } from '../../lib/util/errors';
import { describeHeldLease } from '../../lib/core/lease-wording';
import { release } from '../../lib/core/release';
import { IDENTITY_HELP, IDENTITY_OPTIONS, parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';
import { actingIdentity, commandContext } from '../context';
import { shortSessionId } from '../../lib/core/sessions';
import { refreshView } from '../view-refresh';
import { writeErr, writeJson, writeOut } from '../output';
import { toHeldView, toLeaseView } from '../status-view';
import { repoPattern } from '../path-arguments';

const USAGE = `usage: agent-lease release (<pattern...> | --all) [--force] [--json]

Gives leases back: those on the named patterns (as they were claimed, relative to the current
directory), or every lease of your session with --all.

  --all           every lease your session holds
  --force         release other sessions' leases on the named patterns too (logged as forced),
                  or act for another agent's session with --session (logged)
  --json          print {"released": [...], "refused": [...], "unmatched": [...]}
${IDENTITY_HELP}`;

const OPTIONS = {
  ...IDENTITY_OPTIONS,
  all: { type: 'boolean' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export const command: Command = {
  usage: USAGE,
  run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    if (positionals.length === 0 && !values.all) throw usageError('name the patterns to release, or give --all', USAGE);
    if (positionals.length > 0 && values.all) throw usageError('give patterns or --all, not both', USAGE);
    const context = commandContext();
    const patterns = positionals.map((argument) => repoPattern(argument, context).pattern);
    const store = context.existingStore();
    const { id } = actingIdentity(store, values, 'release');
    const result = store === null ? { released: [], refused: [] } : release(store, id, { patterns, all: values.all === true, force: values.force === true });
    if (result.released.length > 0) refreshView(context);
    const touched = new Set([...result.released, ...result.refused].map((lease) => lease.pattern));
    const unmatched = patterns.filter((pattern) => !touched.has(pattern));
    const now = Date.now();
    if (values.json) {
      writeJson({
        released: result.released.map((lease) => toLeaseView(lease, { name: lease.sessionId, alive: true }, now)),
        refused: result.refused.map((lease) => toHeldView(lease, now)),
        unmatched,
      });
    } else {
      for (const lease of result.released) {
        writeOut(`released ${lease.pattern} (token ${lease.token}${lease.sessionId === id ? '' : `, held by ${shortSessionId(lease.sessionId)}`})`);
      }
      for (const lease of result.refused) writeOut(`not released ${lease.pattern}: ${describeHeldLease(lease, now)}`);
      for (const pattern of unmatched) writeErr(`agent-lease release: no live lease on ${pattern}`);
      if (values.all && result.released.length === 0) writeErr(`agent-lease release: ${shortSessionId(id)} holds no leases`);
    }
    if (result.refused.length === 0) return EXIT.ok;
    writeErr(`agent-lease release: ${result.refused.length} lease(s) belong to other sessions; add --force to release them anyway`);
    return EXIT.conflict;
  },
};
