// What `init --mcp` adds besides the hooks, and `uninstall` takes away: the agent-lease server in
// the project's .mcp.json (connected before the first turn: `alwaysLoad`), and in the settings the
// server enabled for the project and its lease tools allowed without a permission prompt. The hook
// tool is not allowed: only Claude Code's hooks call it, the model cannot.
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { MCP_SERVER, PLUGIN_HOOK_SCRIPT, binaryCommand } from './hook-commands';
import type { Settings } from './settings-file';
import type { SettingsChange } from './settings-hooks';

/** The tools the model may call without a prompt. */
export const MCP_LEASE_TOOLS = ['status', 'who', 'claim', 'release', 'wait', 'ask', 'reply'] as const;

export function mcpConfigPath(worktreeRoot: string): string {
  return join(worktreeRoot, '.mcp.json');
}

/** The server's entry: the same binary lookup as the hook commands, then `agent-lease mcp`. */
export function mcpServerEntry(): Record<string, unknown> {
  return { type: 'stdio', command: '/bin/sh', args: ['-c', binaryCommand('mcp')], alwaysLoad: true };
}

/**
 * The plugin's server (`mcpServers` in .claude-plugin/plugin.json): the plugin's hook script, which
 * finds the binary as its hooks do, run with `mcp`.
 */
export function pluginMcpServerEntry(): Record<string, unknown> {
  return { type: 'stdio', command: '/bin/sh', args: [`\${CLAUDE_PLUGIN_ROOT}/${PLUGIN_HOOK_SCRIPT}`, 'mcp'], alwaysLoad: true };
}

/** `.mcp.json` content with the agent-lease server, everything else kept. */
export function addMcpServer(config: Settings): SettingsChange {
  const servers = serversOf(config);
  const desired = mcpServerEntry();
  if (isDeepStrictEqual(servers[MCP_SERVER], desired)) return { settings: config, changes: [] };
  const verb = servers[MCP_SERVER] === undefined ? 'added' : 'updated';
  return { settings: { ...config, mcpServers: { ...servers, [MCP_SERVER]: desired } }, changes: [`${verb} the MCP server "${MCP_SERVER}" (agent-lease mcp)`] };
}

/** `.mcp.json` content without the agent-lease server; emptied, it is `{}` (and the file is removed). */
export function removeMcpServer(config: Settings): SettingsChange {
  const servers = serversOf(config);
  if (servers[MCP_SERVER] === undefined) return { settings: config, changes: [] };
  const { [MCP_SERVER]: _removed, ...others } = servers;
  const { mcpServers: _all, ...rest } = config;
  const settings = Object.keys(others).length > 0 ? { ...rest, mcpServers: others } : rest;
  return { settings, changes: [`removed the MCP server "${MCP_SERVER}"`] };
}

/** The settings with the server enabled for the project and its lease tools allowed. */
export function addMcpPermissions(settings: Settings): SettingsChange {
  const changes: string[] = [];
  const enabled = listOf(settings.enabledMcpjsonServers);
  const next: Settings = { ...settings };
  if (!enabled.includes(MCP_SERVER)) {
    next.enabledMcpjsonServers = [...enabled, MCP_SERVER];
    changes.push(`enabled the MCP server "${MCP_SERVER}" for this project`);
  }
  const permissions = objectOf(settings.permissions);
  const allow = listOf(permissions.allow);
  const missing = leaseToolRules().filter((rule) => !allow.includes(rule));
  if (missing.length > 0) {
    next.permissions = { ...permissions, allow: [...allow, ...missing] };
    changes.push(`allowed ${missing.join(', ')} without a prompt`);
  }
  return { settings: changes.length === 0 ? settings : next, changes };
}

/** The settings without what addMcpPermissions added; lists and objects left empty are dropped. */
export function removeMcpPermissions(settings: Settings): SettingsChange {
  const changes: string[] = [];
  const next: Settings = { ...settings };
  const enabled = listOf(settings.enabledMcpjsonServers);
  if (enabled.includes(MCP_SERVER)) {
    const kept = enabled.filter((name) => name !== MCP_SERVER);
    if (kept.length > 0) next.enabledMcpjsonServers = kept;
    else delete next.enabledMcpjsonServers;
    changes.push(`removed the MCP server "${MCP_SERVER}" from enabledMcpjsonServers`);
  }
  const permissions = objectOf(settings.permissions);
  const allow = listOf(permissions.allow);
  const rules = leaseToolRules();
  if (allow.some((rule) => rules.includes(rule as string))) {
    const kept = allow.filter((rule) => !rules.includes(rule as string));
    const { allow: _allow, ...otherPermissions } = permissions;
    const nextPermissions = kept.length > 0 ? { ...otherPermissions, allow: kept } : otherPermissions;
    if (Object.keys(nextPermissions).length > 0) next.permissions = nextPermissions;
    else delete next.permissions;
    changes.push(`removed the permission rules for the agent-lease MCP tools`);
  }
  return { settings: changes.length === 0 ? settings : next, changes };
}

function leaseToolRules(): string[] {
  return MCP_LEASE_TOOLS.map((tool) => `mcp__${MCP_SERVER}__${tool}`);
}

function serversOf(config: Settings): Record<string, unknown> {
  return objectOf(config.mcpServers);
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
