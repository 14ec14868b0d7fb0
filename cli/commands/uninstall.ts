import { relative } from 'node:path';
import { readSettings, removeAgentLeaseHooks, settingsPath, writeSettings } from '../../lib/claude-settings';
import { AgentLeaseError, EXIT } from '../../lib/errors';
import { requireRepo } from '../../lib/repo';
import { parseCommandArgs } from '../args';
import type { Command } from '../command';
import { writeOut } from '../output';

const USAGE = `usage: agent-lease uninstall [--local] [--dry-run]

Removes what \`agent-lease init\` added: its hooks in .claude/settings.json (or, with --local,
.claude/settings.local.json), leaving every other setting and hook as it is.

  --local     the main worktree's .claude/settings.local.json
  --dry-run   show what would change, change nothing`;

const OPTIONS = {
  local: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
} as const;

export const command: Command = {
  usage: USAGE,
  run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    if (positionals.length > 0) throw new AgentLeaseError(`unexpected argument "${positionals[0]}"\n${USAGE}`);
    const dryRun = values['dry-run'] === true;
    const repo = requireRepo(process.cwd());
    const file = settingsPath(repo.worktreeRoot, { local: values.local === true });
    const shown = relative(process.cwd(), file) || file;
    const { settings, changes } = removeAgentLeaseHooks(readSettings(file));
    if (changes.length === 0) {
      writeOut(`${shown}: no agent-lease hooks to remove`);
      return EXIT.ok;
    }
    if (!dryRun) writeSettings(file, settings);
    writeOut(`${dryRun ? 'would change' : 'changed'} ${shown}:`);
    for (const change of changes) writeOut(`  ${change}`);
    return EXIT.ok;
  },
};
