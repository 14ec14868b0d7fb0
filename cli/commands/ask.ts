import { askHolders } from '../../lib/core/handoff';
import { shortSessionId } from '../../lib/core/sessions';
import { EXIT } from '../../lib/util/errors';
import { IDENTITY_HELP, IDENTITY_OPTIONS, parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';
import { commandContext, resolveSession } from '../context';
import { writeOut } from '../output';
import { repoPathArguments } from '../path-arguments';
import { dataWord } from '../../lib/util/text';
import { heldByBranchText } from '../../lib/decisions/handoff';

const USAGE = `usage: agent-lease ask <path> --message TEXT

Asks the sessions holding a path (relative to the current directory) to hand it over. Each is
told once, with your message, at its next step (a tool call or a prompt); it may release the path
or answer with agent-lease reply, and its answer reaches you the same way. Waiting for the path
is agent-lease wait. A branch hold (a change committed on another branch, not merged) has nobody
to ask: you are told the branch to bring in instead, and so you are when the session you asked
releases the path into one.

  --message TEXT  what you need and why (at most 1000 characters)
${IDENTITY_HELP}`;

const OPTIONS = { ...IDENTITY_OPTIONS, message: { type: 'string' } } as const;

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    if (positionals.length !== 1) throw usageError('name exactly one path', USAGE);
    if (values.message === undefined) throw usageError('say what you need with --message', USAGE);
    const context = commandContext();
    const [path] = repoPathArguments(positionals, context, 'ask');
    if (path === undefined) return EXIT.usage;
    const session = await resolveSession(context, values, 'ask');
    const asked = await askHolders(context.store(), session.id, path, values.message);
    for (const sent of asked.sent) {
      writeOut(`asked ${shortSessionId(sent.to)} for ${dataWord(path)} (request ${sent.id}): it is told at its next step`);
    }
    for (const hold of asked.holds) writeOut(heldByBranchText(hold));
    return EXIT.ok;
  },
};
