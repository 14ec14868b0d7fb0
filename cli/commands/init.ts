import { relative } from 'node:path';
import { addAgentLeaseHooks, readSettings, resolveHookBinary, settingsPath, writeSettings } from '../../lib/claude-settings';
import { AgentLeaseError, EXIT } from '../../lib/errors';
import { requireRepo } from '../../lib/repo';
import { parseCommandArgs } from '../args';
import type { Command } from '../command';
import { writeErr, writeOut } from '../output';

const USAGE = `usage: agent-lease init [--local] [--dry-run]

Adds agent-lease's hooks to this worktree's .claude/settings.json (commit it: every worktree of
the branch then has them), keeping every other setting and hook; running it again changes nothing.

  --local     write .claude/settings.local.json at the main worktree instead (personal, not committed)
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
    const { settings, changes } = addAgentLeaseHooks(readSettings(file));
    if (changes.length === 0) {
      writeOut(`${shown}: agent-lease hooks already installed`);
    } else {
      if (!dryRun) writeSettings(file, settings);
      writeOut(`${dryRun ? 'would change' : 'changed'} ${shown}:`);
      for (const change of changes) writeOut(`  ${change}`);
    }
    const binary = resolveHookBinary(repo.worktreeRoot);
    if (binary.path === null) {
      writeErr('agent-lease init: warning: the hooks will not find an agent-lease binary from this worktree: run npm i -D agent-lease (or npm i -g agent-lease)');
    }
    if (!dryRun && changes.length > 0 && values.local !== true) {
      writeOut(`Commit ${shown} so that every worktree of this branch runs the hooks.`);
    }
    return EXIT.ok;
  },
};
