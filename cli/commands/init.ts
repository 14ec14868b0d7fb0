import { resolveHookBinary } from '../../lib/claude/inspect';
import { hookScriptPlace, writeHookScript } from '../../lib/claude/hook-script';
import { addAgentLeaseHooks } from '../../lib/claude/settings-hooks';
import { EXIT } from '../../lib/util/errors';
import { installGuard } from '../../lib/guard/install';
import { excludeViewFromGit } from '../../lib/agent-locks/view';
import { VIEW_DIR } from '../../lib/agent-locks/view-files';
import type { Command } from '../command';
import { writeErr, writeOut } from '../output';
import { bothChanges, changeSettings, installScope, shown } from '../install-scope';
import { addMcpPermissions, addMcpServer, mcpConfigPath } from '../../lib/claude/mcp-setup';
import { readMcpConfig, writeMcpConfig } from '../../lib/claude/mcp-config';
import type { Settings } from '../../lib/claude/settings-file';

const USAGE = `usage: agent-lease init [--local] [--mcp] [--dry-run]

Adds agent-lease's hooks to this worktree's .claude/settings.json, each running the script it
writes to .claude/hooks/agent-lease.sh (commit both: every worktree of the branch then has them),
keeping every other setting and hook, installs the commit guard, and has git ignore the generated
.agent-locks/ (in .git/info/exclude). Running it again changes nothing.

  --local     write .claude/settings.local.json at the main worktree instead (personal, not
              committed), its script under the git directory
  --mcp       also register agent-lease's MCP server in .mcp.json (lease tools for the model, allowed
              without a prompt) and have it answer the tool and prompt hooks in-process
              (mcp_tool hooks); SessionStart, Stop and SessionEnd stay command hooks
  --dry-run   show what would change, change nothing`;

export const command: Command = {
  usage: USAGE,
  run(args) {
    const scope = installScope(args, USAGE);
    const script = hookScriptPlace(scope.worktreeRoot, scope.commonDir, scope.local);
    const hooks = (settings: Settings) => addAgentLeaseHooks(settings, script.launcher, scope.mcp);
    const changed = changeSettings(scope, scope.mcp ? bothChanges(hooks, addMcpPermissions) : hooks, 'agent-lease hooks already installed');
    const scriptChanged = writeHookScript(script.path, scope.dryRun);
    if (scriptChanged) writeOut(`${scope.dryRun ? 'would write' : 'wrote'} ${shown(script.path)}, the script the hooks run`);
    const mcpConfig = mcpConfigPath(scope.worktreeRoot);
    const mcpChanged =
      scope.mcp &&
      changeSettings(scope, addMcpServer, 'agent-lease MCP server already registered', { path: mcpConfig, read: readMcpConfig, write: writeMcpConfig });

    const guard = installGuard(scope.worktreeRoot, { dryRun: scope.dryRun });
    if (guard.changed.length === 0) writeOut(`commit guard already installed: ${guard.description}`);
    else writeOut(`${scope.dryRun ? 'would install' : 'installed'} the commit guard: ${guard.description}`);

    const exclude = excludeViewFromGit(scope.commonDir, scope.dryRun);
    if (exclude !== null) writeOut(`${scope.dryRun ? 'would add' : 'added'} /${VIEW_DIR}/ to ${shown(exclude)} (generated lease files, never committed)`);

    if (resolveHookBinary(scope.worktreeRoot).path === null) {
      writeErr(
        'agent-lease init: warning: the hooks will not find an agent-lease binary from this worktree: run npm i -D agent-lease (or npm i -g agent-lease)',
      );
    }
    const toCommit = [
      ...(changed && !scope.local ? [scope.settingsFile] : []),
      ...(scriptChanged && !scope.local ? [script.path] : []),
      ...(mcpChanged ? [mcpConfig] : []),
      ...guard.toCommit,
    ];
    if (toCommit.length > 0 && !scope.dryRun) {
      writeOut(`Commit ${toCommit.map(shown).join(', ')} so that every worktree of this branch runs the hooks and the guard.`);
    }
    return EXIT.ok;
  },
};
