import { loadConfig } from '../../lib/config/load';
import { withoutPassword } from '../../lib/util/postgres-url';
import { requireRepo } from '../../lib/git/repo';
import { storePathOf } from '../../lib/git/store-location';
import { chooseStore, describeStore, namedStore, storeJson, storeKey, type StoreChoice } from '../../lib/stores/choice';
import { readLive, writeLive } from '../../lib/stores/migrate';
import { openChosenStore } from '../../lib/stores/open';
import { AgentLeaseError } from '../../lib/util/errors';
import { shellWord } from '../../lib/util/text';
import { dirname } from 'node:path';
import { parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';
import { writeJson, writeOut } from '../output';

const USAGE = `usage: agent-lease store [--json]
       agent-lease store migrate --to postgres://user@host:5432/database | --to sqlite[:PATH] [--json]

Says which store this repository uses: SQLite under the git common dir (the default), or a
PostgreSQL server shared by every clone (team mode: AGENT_LEASE_STORE, or "store" in
.agent-lease.json). "migrate" copies the live sessions, leases, branch holds and the handoff
messages still to be told of the store in use to another one, either way; running it again copies
nothing twice. The store in use stays as it
is: then point every clone at the new one.

  --to STORE  the store to copy to: a PostgreSQL URL (its password, if any, from PGPASSWORD or
              ~/.pgpass), "sqlite" (this repository's own file) or sqlite:PATH
  --json      print {"engine", "store", "repository", "chosenBy"}; with migrate
              {"from", "to", "sessions", "leases", "holds", "messages", "present",
              "refused"}`;

const OPTIONS = { to: { type: 'string' }, json: { type: 'boolean' } } as const;

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    const [action, extra] = positionals;
    if (extra !== undefined || (action !== undefined && action !== 'migrate')) throw usageError(`unexpected argument "${extra ?? action}"`, USAGE);
    const repo = requireRepo(process.cwd());
    const config = loadConfig(repo.worktreeRoot, dirname(storePathOf(repo)));
    const current = chooseStore(repo, config);
    if (action === undefined) {
      if (values.to !== undefined) throw usageError('--to goes with "migrate"', USAGE);
      if (values.json) writeJson(storeJson(current));
      else writeOut(describeStore(current));
      return 0;
    }
    if (values.to === undefined) throw usageError('migrate needs --to STORE', USAGE);
    const target = namedStore(repo, config, values.to);
    if (storeKey(target) === storeKey(current)) throw new AgentLeaseError(`${describeStore(target)} is the store in use already: nothing to copy`);
    const from = openChosenStore(current);
    const to = openChosenStore(target);
    try {
      const result = await writeLive(to, await readLive(from), from.describe());
      if (values.json) {
        writeJson({ from: storeJson(current), to: storeJson(target), ...result });
        return 0;
      }
      writeOut(
        [
          `copied ${result.sessions} session(s), ${result.leases} lease(s), ${result.holds} branch hold(s) and ${result.messages} message(s) from ${describeStore(current)} to ${describeStore(target)}`,
          ...(result.present > 0 ? [`${result.present} lease(s), hold(s) and message(s) were there already`] : []),
          ...result.refused.map((line) => `not copied: ${line}`),
          nextStep(target),
        ].join('\n'),
      );
      return 0;
    } finally {
      await Promise.all([from.close(), to.close()]);
    }
  },
};

function nextStep(target: StoreChoice): string {
  if (target.engine === 'postgres') {
    return `To use it in every clone: "store": ${JSON.stringify(withoutPassword(target.url))} in .agent-lease.json (a password never goes there), or AGENT_LEASE_STORE in each environment`;
  }
  if (target.path === storePathOf(requireRepo(process.cwd()))) return 'To use it: take "store" out of .agent-lease.json, or set AGENT_LEASE_STORE=sqlite';
  return `To use it: AGENT_LEASE_DB=${shellWord(target.path)}`;
}
