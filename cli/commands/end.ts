import { EXIT } from '../../lib/util/errors';
import { getSession, resolveSessionRef, shortSessionId } from '../../lib/core/sessions';
import { endSessionHolding } from '../../lib/holds/session-ending';
import { shellWord } from '../../lib/util/text';
import { parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';
import { actingIdentity, commandContext, sessionIdentity } from '../context';
import { refreshView } from '../view-refresh';
import { writeErr, writeJson, writeOut } from '../output';

const USAGE = `usage: agent-lease end <session> [--force] [--json]

Ends a session, releasing every lease it holds: a person's session (made by claim, a refused
claim or a file dropped in .agent-locks/), which nothing else would end. <session> is its id or
any unique prefix of it, as status shows it. A live agent's session ends itself; ending one from
elsewhere needs --force (logged with who did it). A file whose change the session committed on its
branch and did not merge yet stays held by the branch (a branch hold) until it is merged.

  --force   end a live agent's session too
  --json    print {"session", "released", "heldByBranch": [...]}`;

const OPTIONS = { force: { type: 'boolean' }, json: { type: 'boolean' } } as const;

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    if (positionals.length !== 1) throw usageError('name the one session to end', USAGE);
    const context = commandContext();
    const store = context.existingStore();
    const id = store === null ? positionals[0]! : await resolveSessionRef(store, positionals[0]!);
    const session = store === null ? null : await getSession(store, id);
    if (store === null || session === null || session.endedAt !== null) {
      writeErr(`agent-lease end: no open session ${positionals[0]}`);
      return EXIT.conflict;
    }
    await actingIdentity(store, { session: id, force: values.force === true }, 'end');
    const { released, passed } = await endSessionHolding(store, context.config, id, 'ended', {
      verify: true,
      from: context.repo.worktreeRoot,
      actor: sessionIdentity({}).id,
    });
    if (released + passed.held.length > 0) await refreshView(context);
    if (values.json) {
      writeJson({
        session: id,
        released,
        heldByBranch: passed.held.map((hold) => ({ token: hold.token, pattern: hold.path, branch: hold.branch, commit: hold.commit })),
      });
      return EXIT.ok;
    }
    writeOut(`ended ${shortSessionId(id)} (released ${released} lease(s))`);
    for (const hold of passed.held) {
      writeOut(
        `${hold.path} stays held by branch ${hold.branch} until it is merged into ${passed.integration}: its change is committed there; to free it, bring the branch in (git merge ${shellWord(hold.branch)})`,
      );
    }
    for (const note of passed.notes) writeErr(note);
    return EXIT.ok;
  },
};
