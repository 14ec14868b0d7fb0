import { EXIT } from '../../lib/util/errors';
import { describeHeldLease } from '../../lib/core/lease-wording';
import { check, type CoverageResult } from '../../lib/core/lease-queries';
import { IDENTITY_HELP, IDENTITY_OPTIONS, parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';
import { settledStore } from '../settled-store';
import { commandContext, sessionIdentity } from '../context';
import { resolveSessionRef } from '../../lib/core/sessions';
import { writeJson, writeOut } from '../output';
import { toHeldView } from '../status-view';
import { repoPathArguments } from '../path-arguments';
import { holdsStandingHere } from '../../lib/holds/standing';

const USAGE = `usage: agent-lease check <path...> [--json]

Exits 1 when another session holds a live lease covering one of the paths (relative to the
current directory), or another branch holds its unmerged change to it, and prints each such path
with its holder; exits 0 and prints nothing when all are free. Your own leases do not count, nor
the holds of the branch checked out here or of branches whose change it already has (merged or
rebased onto). For scripts and other tools. Changes nothing.

  --json          print {"ok", "session", "paths": [{"path", "holders": [...]}]}
${IDENTITY_HELP}`;

const OPTIONS = { ...IDENTITY_OPTIONS, json: { type: 'boolean' } } as const;

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    if (positionals.length === 0) throw usageError('name at least one path', USAGE);
    const context = commandContext();
    const paths = repoPathArguments(positionals, context, 'check');
    const store = await settledStore(context);
    const typed = sessionIdentity(values).id;
    const id = store === null ? typed : await resolveSessionRef(store, typed);
    const results: CoverageResult[] =
      store === null
        ? paths.map((path) => ({ path, holders: [] }))
        : holdsStandingHere(await check(store, paths, id), context.repo.worktreeRoot, context.repo.gitDir, context.config);
    const held = results.filter((result) => result.holders.length > 0);
    const now = Date.now();
    if (values.json) {
      writeJson({
        ok: held.length === 0,
        session: id,
        paths: results.map((result) => ({ path: result.path, holders: result.holders.map((lease) => toHeldView(lease, now)) })),
      });
    } else {
      for (const result of held) {
        for (const lease of result.holders) writeOut(`${result.path}: ${describeHeldLease(lease, now)}`);
      }
    }
    return held.length === 0 ? EXIT.ok : EXIT.conflict;
  },
};
