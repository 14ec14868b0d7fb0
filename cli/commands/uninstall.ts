import { removeAgentLeaseHooks } from '../../lib/claude/settings-hooks';
import { EXIT } from '../../lib/util/errors';
import { uninstallGuard } from '../../lib/guard/install';
import { guardState } from '../../lib/guard/state';
import type { Command } from '../command';
import { writeOut } from '../output';
import { changeSettings, installScope, shown } from '../install-scope';

const USAGE = `usage: agent-lease uninstall [--local] [--dry-run]

Removes what \`agent-lease init\` added: its hooks in .claude/settings.json (or, with --local,
.claude/settings.local.json) and the commit guard, leaving every other setting and hook as it is.

  --local     the main worktree's .claude/settings.local.json
  --dry-run   show what would change, change nothing`;

export const command: Command = {
  usage: USAGE,
  run(args) {
    const scope = installScope(args, USAGE);
    changeSettings(scope, removeAgentLeaseHooks, 'no agent-lease hooks to remove');
    if (scope.dryRun) {
      writeOut(guardState(scope.worktreeRoot).active ? 'would remove the commit guard' : 'no active commit guard to remove');
      return EXIT.ok;
    }
    const guard = uninstallGuard(scope.worktreeRoot);
    writeOut(guard.changed.length === 0 ? 'no commit guard to remove' : `removed the commit guard (${guard.changed.map(shown).join(', ')})`);
    return EXIT.ok;
  },
};
