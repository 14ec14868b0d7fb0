import { EXIT } from '../../lib/util/errors';
import { endSession, getSession, resolveSessionRef, shortSessionId } from '../../lib/core/sessions';
import { parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';
import { actingIdentity, commandContext, sessionIdentity } from '../context';
import { refreshView } from '../view-refresh';
import { writeErr, writeJson, writeOut } from '../output';

const USAGE = `usage: agent-lease end <session> [--force] [--json]

Ends a session, releasing every lease it holds: a person's session (made by claim, a refused
claim or a file dropped in .agent-locks/), which nothing else would end. <session> is its id or
any unique prefix of it, as status shows it. A live agent's session ends itself; ending one from
elsewhere needs --force (logged with who did it).

  --force   end a live agent's session too
  --json    print {"session", "released"}`;

const OPTIONS = { force: { type: 'boolean' }, json: { type: 'boolean' } } as const;

export const command: Command = {
  usage: USAGE,
  run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    if (positionals.length !== 1) throw usageError('name the one session to end', USAGE);
    const context = commandContext();
    const store = context.existingStore();
    const id = store === null ? positionals[0]! : resolveSessionRef(store, positionals[0]!);
    const session = store === null ? null : getSession(store, id);
    if (store === null || session === null || session.endedAt !== null) {
      writeErr(`agent-lease end: no open session ${positionals[0]}`);
      return EXIT.conflict;
    }
    actingIdentity(store, { session: id, force: values.force === true }, 'end');
    const released = endSession(store, id, 'ended', sessionIdentity({}).id);
    if (released > 0) refreshView(context);
    if (values.json) writeJson({ session: id, released });
    else writeOut(`ended ${shortSessionId(id)} (released ${released} lease(s))`);
    return EXIT.ok;
  },
};
