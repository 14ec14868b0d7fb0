import { replyToAsk } from '../../lib/core/handoff';
import { shortSessionId } from '../../lib/core/sessions';
import { EXIT } from '../../lib/util/errors';
import { IDENTITY_HELP, IDENTITY_OPTIONS, parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';
import { commandContext, resolveSession } from '../context';
import { writeOut } from '../output';

const USAGE = `usage: agent-lease reply --message TEXT [--to REQUEST]

Answers a handoff request (agent-lease ask) made to your session: the latest one, or request
REQUEST. The asker is told once, at its next step.

  --message TEXT  your answer (at most 1000 characters)
  --to REQUEST    the request's number, as the request said it
${IDENTITY_HELP}`;

const OPTIONS = { ...IDENTITY_OPTIONS, message: { type: 'string' }, to: { type: 'string' } } as const;

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]}"`, USAGE);
    if (values.message === undefined) throw usageError('give your answer with --message', USAGE);
    const to = values.to === undefined ? undefined : Number(values.to);
    if (to !== undefined && !(Number.isInteger(to) && to > 0)) throw usageError(`--to takes a request number, not "${values.to}"`, USAGE);
    const context = commandContext();
    const session = await resolveSession(context, values, 'reply');
    const sent = await replyToAsk(context.store(), session.id, values.message, to);
    writeOut(`replied to ${shortSessionId(sent.to)} (request ${sent.replyTo}): it is told at its next step`);
    return EXIT.ok;
  },
};
