import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readSettings, settingsPath } from '../../lib/claude/settings-file';
import { hookScriptPlace, removeHookScript } from '../../lib/claude/hook-script';
import { agentLeaseEventsIn, removeAgentLeaseHooks } from '../../lib/claude/settings-hooks';
import { VIEW_DIR } from '../../lib/agent-locks/view-files';
import { listWorktrees } from '../../lib/git/repo';
import { defaultStorePath } from '../../lib/git/store-location';
import { readText } from '../../lib/util/files';
import { EXIT } from '../../lib/util/errors';
import { uninstallGuard } from '../../lib/guard/install';
import { guardState } from '../../lib/guard/state';
import type { Command } from '../command';
import { writeOut } from '../output';
import { CLIENT_NAMES, CLIENTS, uninstallChange } from '../../lib/clients/setup';
import { bothChanges, changeFile, changeSettings, installScope, shown, type InstallScope } from '../install-scope';
import { mcpConfigPath, removeMcpPermissions, removeMcpServer } from '../../lib/claude/mcp-setup';
import { readMcpConfig, writeMcpConfig } from '../../lib/claude/mcp-config';

const USAGE = `usage: agent-lease uninstall [--for CLIENTS] [--local] [--dry-run]

Removes what \`agent-lease init\` added: its hooks in .claude/settings.json (or, with --local,
.claude/settings.local.json), the script they ran, what --mcp added (the server in .mcp.json,
its permissions and enabling) and the commit guard, leaving every other setting and hook as it is.
Then lists what it leaves: the lease store and its log, the .agent-locks/ views, the line in
.git/info/exclude, and the hooks other branches still have in their committed settings.

  --for CLIENTS  remove only these clients' hooks (claude, codex, gemini, opencode, comma-separated
                 or repeated), keeping the commit guard; all: every client's, and the guard
  --local        the main worktree's .claude/settings.local.json
  --dry-run      show what would change, change nothing`;

export const command: Command = {
  usage: USAGE,
  run(args) {
    const scope = installScope(args, USAGE);
    for (const client of scope.everything ? CLIENTS : scope.clients) {
      if (client === 'claude') {
        uninstallClaudeCode(scope);
        continue;
      }
      const change = uninstallChange(client, scope.worktreeRoot);
      // Removing everything names only the clients that had something to remove.
      if (!scope.everything || change.changes.length > 0) changeFile(scope, change, `no agent-lease ${CLIENT_NAMES[client].name} hooks to remove`);
    }
    if (!scope.everything) return EXIT.ok;
    if (scope.dryRun) {
      writeOut(guardState(scope.worktreeRoot).active ? 'would remove the commit guard' : 'no active commit guard to remove');
      return EXIT.ok;
    }
    const guard = uninstallGuard(scope.worktreeRoot);
    writeOut(guard.changed.length === 0 ? 'no commit guard to remove' : `removed the commit guard (${guard.changed.map(shown).join(', ')})`);
    const left = leftInPlace(scope.worktreeRoot, scope.commonDir);
    if (left.length > 0) writeOut(['left in place (remove by hand what you want gone):', ...left.map((line) => `  ${line}`)].join('\n'));
    return EXIT.ok;
  },
};

/** Claude Code's hooks, the script they ran, and what --mcp added. */
function uninstallClaudeCode(scope: InstallScope): void {
  changeSettings(scope, bothChanges(removeAgentLeaseHooks, removeMcpPermissions), 'no agent-lease hooks to remove');
  const script = hookScriptPlace(scope.worktreeRoot, scope.commonDir, scope.local);
  if (removeHookScript(script, scope.dryRun)) writeOut(`${scope.dryRun ? 'would remove' : 'removed'} ${shown(script.path)}`);
  const mcpConfig = mcpConfigPath(scope.worktreeRoot);
  if (existsSync(mcpConfig))
    changeSettings(scope, removeMcpServer, 'no agent-lease MCP server to remove', { path: mcpConfig, read: readMcpConfig, write: writeMcpConfig });
}

/** What agent-lease made that uninstall does not take away, one line each. */
function leftInPlace(worktreeRoot: string, commonDir: string): string[] {
  const lines: string[] = [];
  const store = dirname(defaultStorePath(worktreeRoot));
  if (existsSync(store)) lines.push(`${shown(store)}: the lease store and its event log (agent-lease log reads it)`);
  const worktrees = listWorktrees(worktreeRoot).filter((worktree) => !worktree.bare && existsSync(worktree.path));
  const views = worktrees.map((worktree) => join(worktree.path, VIEW_DIR)).filter((dir) => existsSync(dir));
  if (views.length > 0) lines.push(`${views.map(shown).join(', ')}: the generated lease files`);
  const exclude = join(commonDir, 'info', 'exclude');
  if (readText(exclude)?.split('\n').includes(`/${VIEW_DIR}/`)) lines.push(`${shown(exclude)}: its /${VIEW_DIR}/ line`);
  const others = worktrees.filter((worktree) => worktree.path !== worktreeRoot && hasAgentLeaseHooks(worktree.path));
  for (const worktree of others) {
    lines.push(
      `${shown(settingsPath(worktree.path))} (${worktree.branch ?? 'detached'}): agent-lease's hooks, committed on that branch (run agent-lease uninstall there)`,
    );
  }
  return lines;
}

function hasAgentLeaseHooks(worktreeRoot: string): boolean {
  try {
    return agentLeaseEventsIn(readSettings(settingsPath(worktreeRoot))).length > 0;
  } catch {
    return false;
  }
}
