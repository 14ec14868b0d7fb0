import { formatDuration } from '../../lib/util/duration';
import { who, whoUnder } from '../../lib/core/lease-queries';
import type { HeldLease } from '../../lib/core/lease-types';
import { parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';
import { settledStore } from '../settled-store';
import { commandContext } from '../context';
import { plainText } from '../../lib/util/text';
import { table, writeJson, writeOut } from '../output';
import { toHeldView } from '../status-view';
import { repoPathOrDirectoryArguments } from '../path-arguments';

const USAGE = `usage: agent-lease who <path...> [--json]

For each path (relative to the current directory), the live leases that cover it and who holds
them; for a directory, the live leases on anything under it. Changes nothing.

  --json   print [{"path", "directory", "holders": [...]}]`;

const OPTIONS = { json: { type: 'boolean' } } as const;

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    if (positionals.length === 0) throw usageError('name at least one path', USAGE);
    const context = commandContext();
    const paths = repoPathOrDirectoryArguments(positionals, context, 'who');
    const store = await settledStore(context);
    const answers: Array<{ path: string; directory: boolean; holders: HeldLease[] }> = [];
    for (const { path, directory } of paths) {
      answers.push({ path, directory, holders: store === null ? [] : directory ? await whoUnder(store, path) : await who(store, path) });
    }
    const now = Date.now();
    if (values.json) {
      writeJson(answers.map(({ path, directory, holders }) => ({ path, directory, holders: holders.map((lease) => toHeldView(lease, now)) })));
      return 0;
    }
    const rows = answers.flatMap(({ path, directory, holders }) =>
      holders.length === 0
        ? [[directory ? `${path}/` : path, directory ? '(nothing held under it)' : '(free)', '', '', '', '']]
        : holders.map((lease) => [
            directory ? `${path}/` : path,
            lease.holder.name,
            lease.pattern,
            lease.mode,
            lease.task ?? '-',
            formatDuration(lease.expiresAt.getTime() - now),
          ]),
    );
    if (rows.length > 0)
      writeOut(
        table(
          ['PATH', 'HOLDER', 'PATTERN', 'MODE', 'TASK', 'TIME LEFT'],
          rows.map((row) => row.map((cell) => plainText(cell))),
        ),
      );
    return 0;
  },
};
