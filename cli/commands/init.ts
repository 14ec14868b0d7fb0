import { resolveHookBinary } from '../../lib/claude/inspect';
import { hookScriptPlace, writeHookScript } from '../../lib/claude/hook-script';
import { addAgentLeaseHooks } from '../../lib/claude/settings-hooks';
import { AgentLeaseError, describeError, EXIT } from '../../lib/util/errors';
import { installGuard } from '../../lib/guard/install';
import { excludeViewFromGit } from '../../lib/agent-locks/view';
import { VIEW_DIR } from '../../lib/agent-locks/view-files';
import type { Command } from '../command';
import { writeErr, writeOut } from '../output';
import { CLIENT_NAMES, CLIENTS, installChange } from '../../lib/clients/setup';
import { bothChanges, changeFile, changeSettings, installScope, shown, type InstallScope } from '../install-scope';
import { addMcpPermissions, addMcpServer, mcpConfigPath } from '../../lib/claude/mcp-setup';
import { readMcpConfig, writeMcpConfig } from '../../lib/claude/mcp-config';
import type { Settings } from '../../lib/claude/settings-file';
import { DEFAULT_CONFIG, loadConfig, type Config } from '../../lib/config/load';

const USAGE = `usage: agent-lease init [--for CLIENTS] [--local] [--mcp] [--dry-run]

Adds agent-lease's hooks to this worktree's .claude/settings.json, each running the script it
writes to .claude/hooks/agent-lease.sh (commit both: every worktree of the branch then has them),
keeping every other setting and hook, installs the commit guard, and has git ignore the generated
.agent-locks/ (in .git/info/exclude). Running it again changes nothing.

  --for CLIENTS  the agents to set up, comma-separated or repeated (default: claude):
                 claude (.claude/settings.json), codex (.codex/hooks.json),
                 gemini (.gemini/settings.json), opencode (.opencode/plugins/agent-lease.js),
                 or all: those installed here (on PATH or in node_modules/.bin)
  --local        write .claude/settings.local.json at the main worktree instead (personal, not
                 committed), its script under the git directory
  --mcp          Claude Code: also register agent-lease's MCP server in .mcp.json (lease tools for
                 the model, allowed without a prompt) and have it answer the tool and prompt hooks
                 in-process (mcp_tool hooks); SessionStart, Stop and SessionEnd stay command hooks
  --dry-run      show what would change, change nothing`;

export const command: Command = {
  usage: USAGE,
  run(args) {
    const scope = installScope(args, USAGE);
    if (scope.clients.length === 0) throw new AgentLeaseError(`--for all: none of ${CLIENTS.join(', ')} is installed here; name the clients`);
    const changedFiles: string[] = [];
    const nextSteps: string[] = [];
    for (const client of scope.clients) {
      if (client === 'claude') {
        changedFiles.push(...installClaudeCode(scope));
        continue;
      }
      const change = installChange(client, scope.worktreeRoot);
      if (changeFile(scope, change, `agent-lease's ${CLIENT_NAMES[client].name} hooks already installed`)) changedFiles.push(change.file);
      nextSteps.push(...change.nextSteps);
    }

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
    const toCommit = [...changedFiles, ...guard.toCommit];
    if (toCommit.length > 0 && !scope.dryRun) {
      writeOut(`Commit ${toCommit.map(shown).join(', ')} so that every worktree of this branch runs the hooks and the guard.`);
    }
    for (const step of nextSteps) writeOut(step);
    return EXIT.ok;
  },
};

/** The worktree's configuration; the defaults, with a warning, when it is invalid. */
function configOrDefaults(worktreeRoot: string): Config {
  try {
    return loadConfig(worktreeRoot);
  } catch (error) {
    writeErr(`agent-lease init: warning: ${describeError(error)}; the hooks are written as for the default settings`);
    return DEFAULT_CONFIG;
  }
}

/** Claude Code's hooks, the script they run and (--mcp) the MCP server: the files to commit that changed. */
function installClaudeCode(scope: InstallScope): string[] {
  const script = hookScriptPlace(scope.worktreeRoot, scope.commonDir, scope.local);
  // hooks.onStoreError "deny": an MCP PreToolUse hook that gets no answer blocks the edit too.
  const blockOnFailure = scope.mcp && configOrDefaults(scope.worktreeRoot).hooks.onStoreError === 'deny';
  const hooks = (settings: Settings) => addAgentLeaseHooks(settings, script.launcher, scope.mcp, blockOnFailure);
  const changed = changeSettings(scope, scope.mcp ? bothChanges(hooks, addMcpPermissions) : hooks, 'agent-lease hooks already installed');
  const scriptChanged = writeHookScript(script.path, scope.dryRun);
  if (scriptChanged) writeOut(`${scope.dryRun ? 'would write' : 'wrote'} ${shown(script.path)}, the script the hooks run`);
  const mcpConfig = mcpConfigPath(scope.worktreeRoot);
  const mcpChanged =
    scope.mcp &&
    changeSettings(scope, addMcpServer, 'agent-lease MCP server already registered', { path: mcpConfig, read: readMcpConfig, write: writeMcpConfig });
  return [
    ...(changed && !scope.local ? [scope.settingsFile] : []),
    ...(scriptChanged && !scope.local ? [script.path] : []),
    ...(mcpChanged ? [mcpConfig] : []),
  ];
}
