import { formatDuration } from '../../lib/util/duration';
import { durationFlag, parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';
import { commandContext, type CommandContext } from '../context';
import { paint, writeJson, writeOut } from '../output';
import { describeStore, storeJson } from '../../lib/stores/choice';
import { readStatus, renderStatus } from '../status-view';
import { settledStore } from '../settled-store';

const USAGE = `usage: agent-lease status [--json] [--all] [--watch [--interval 1s]]

Sessions (name, worktree, branch, alive, last seen) and live leases (pattern, mode, holder, task,
source, time left), and branch holds (source "branch": a committed change not merged yet). Changes
nothing, except that branch holds git shows merged (or whose branch is gone) are ended first.

  --json          print {"sessions": [...], "leases": [...], "store": {...}} with ISO-8601 times
  --all           include ended sessions and expired or released leases
  --watch         redraw whenever something changes, until interrupted (Ctrl-C)
  --interval DUR  how often --watch looks: 500ms, 2s (default 1s)`;

const OPTIONS = {
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  watch: { type: 'boolean' },
  interval: { type: 'string' },
} as const;

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]}"`, USAGE);
    const interval = durationFlag(values.interval, '--interval', USAGE);
    if (interval !== undefined && !values.watch) throw usageError('--interval goes with --watch', USAGE);
    const context = commandContext();
    const all = values.all === true;
    const read = async () => await readStatus(await settledStore(context), { all });
    if (values.watch) {
      return watch(
        context,
        read,
        (status) => (values.json ? JSON.stringify(status) : renderStatus(status, Date.now())),
        interval ?? 1000,
        values.json === true,
      );
    }
    if (values.json) writeJson({ ...(await read()), store: storeJson(context.storeChoice) });
    else writeOut(`${renderStatus(await read(), Date.now())}\n\n${paint('Store', 'bold')}: ${describeStore(context.storeChoice)}`);
    return 0;
  },
};

/**
 * Prints the view, then looks again every `intervalMs` and prints it again when it changed: on a
 * terminal by redrawing the screen in place whenever the text changes (times left count down),
 * elsewhere one snapshot after another, only when the leases or sessions themselves changed (with
 * --json, one line each): a log of a pipe must not fill with screens that differ only in "12s ago".
 */
function watch<T>(context: CommandContext, read: () => Promise<T>, render: (status: T) => string, intervalMs: number, json: boolean): Promise<number> {
  const redraw = process.stdout.isTTY === true;
  const every = intervalMs < 1000 ? `${intervalMs}ms` : formatDuration(intervalMs);
  const header = `agent-lease status --watch: ${describeStore(context.storeChoice)}, every ${every}; Ctrl-C to stop\n\n`;
  let shown: string | undefined;
  const look = async (): Promise<void> => {
    const status = await read();
    const text = render(status);
    const seen = redraw ? text : JSON.stringify(status);
    if (seen === shown) return;
    shown = seen;
    if (redraw) process.stdout.write(`\u001b[H\u001b[2J${header}${text}\n`);
    else writeOut(json ? text : `${text}\n\n`);
  };
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      clearInterval(timer);
      resolve(0);
    };
    // Before the first screen: a Ctrl-C as soon as it shows must end the watch, not kill it (130).
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.stdout.on('error', stop);
    void look();
    timer = setInterval(() => void look(), intervalMs);
  });
}
