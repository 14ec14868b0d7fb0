// `agent-lease demo`: a one-minute tour in a temporary repository (cli/demo/tour.ts).
import { EXIT } from '../../lib/util/errors';
import { parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';
import { runDemo } from '../demo/tour';

const USAGE = `usage: agent-lease demo [--keep]

A one-minute tour in a temporary repository: three Claude Code sessions in three worktrees,
driven through agent-lease's real hooks. It shows edits granted and denied, a glob claim, a
commit refused by the guard in another worktree, a crashed session whose leases are reclaimed,
and the final status table; then it removes the repository.

  --keep   leave the temporary repository in place to look around`;

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { keep: { type: 'boolean' } }, USAGE);
    if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]}"`, USAGE);
    await runDemo({ keep: values.keep === true });
    return EXIT.ok;
  },
};
