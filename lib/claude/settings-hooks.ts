// agent-lease's hooks inside a Claude Code settings object: adding them (each exactly once,
// replacing an earlier version's), taking them out again, and which events run them. Everything
// else in the settings is kept as it was, in its place. Reading and writing the file is
// settings-file.ts.
import { isDeepStrictEqual } from 'node:util';
import { AgentLeaseError } from '../util/errors';
import { agentLeaseHookOf, HOOK_ENTRIES, MCP_HOOK_EVENTS, matcherGroupFor, type HookEntry, type HookName, type Launcher } from './hook-commands';
import type { CommandHandler, MatcherGroup, Settings } from './settings-file';

export interface SettingsChange {
  settings: Settings;
  /** One line per entry: `added PreToolUse (Write|Edit|…) → agent-lease hook pre-tool-use`, … */
  changes: string[];
}

/**
 * `settings` with agent-lease's entries, each exactly once, and no other agent-lease handler (an
 * earlier version's is replaced); everything else is kept as it was, in its place.
 */
export function addAgentLeaseHooks(settings: Settings, launcher: Launcher = 'project', mcp = false, blockOnFailure = false): SettingsChange {
  const hooks = hooksObject(settings);
  const changes: string[] = [];
  const next: Record<string, unknown> = { ...hooks };
  for (const [event, value] of Object.entries(hooks)) {
    if (!Array.isArray(value) || HOOK_ENTRIES.some((entry) => entry.event === event)) continue;
    const { kept, removed } = withoutAgentLease(value as MatcherGroup[]);
    if (removed.length === 0) continue;
    next[event] = kept;
    for (const hook of removed) changes.push(`removed ${event} → agent-lease hook ${hook}`);
  }
  for (const entry of HOOK_ENTRIES) {
    const desired = matcherGroupFor(entry, launcher, mcp, blockOnFailure);
    const groups = groupList(hooks, entry.event);
    const { kept, removed } = withoutAgentLease(groups);
    if (removed.length === 1 && groups.some((group) => isDeepStrictEqual(group, desired))) continue;
    next[entry.event] = [...kept, desired];
    changes.push(`${removed.length === 0 ? 'added' : 'updated'} ${describeEntry(entry, mcp)}`);
  }
  return { settings: changes.length === 0 ? settings : { ...settings, hooks: next }, changes };
}

/** `settings` without any agent-lease entry; groups and events left empty by that are dropped too. */
export function removeAgentLeaseHooks(settings: Settings): SettingsChange {
  if (settings.hooks === undefined) return { settings, changes: [] };
  const hooks = hooksObject(settings);
  const changes: string[] = [];
  const next: Record<string, unknown> = {};
  for (const [event, value] of Object.entries(hooks)) {
    if (!Array.isArray(value)) {
      next[event] = value;
      continue;
    }
    const { kept, removed } = withoutAgentLease(value as MatcherGroup[]);
    for (const hook of removed) changes.push(`removed ${event} → agent-lease hook ${hook}`);
    if (kept.length > 0 || removed.length === 0) next[event] = kept;
  }
  if (changes.length === 0) return { settings, changes };
  return { settings: withHooks(settings, next), changes };
}

/** `settings` with `hooks` replaced in its place (dropped when empty), rebuilt key by key so that it keeps its place in the file. */
export function withHooks(settings: Settings, hooks: Record<string, unknown>): Settings {
  const result: Settings = {};
  for (const [key, value] of Object.entries(settings)) {
    if (key !== 'hooks') result[key] = value;
    else if (Object.keys(hooks).length > 0) result[key] = hooks;
  }
  return result;
}

/** The events of `HOOK_ENTRIES` on which `settings` runs agent-lease's hook for that entry. */
export function agentLeaseEventsIn(settings: Settings): string[] {
  const hooks = settings.hooks;
  if (typeof hooks !== 'object' || hooks === null) return [];
  const found: string[] = [];
  for (const entry of HOOK_ENTRIES) {
    const groups = (hooks as Record<string, unknown>)[entry.event];
    if (!Array.isArray(groups)) continue;
    const handlers = (groups as MatcherGroup[]).flatMap(handlersOf);
    if (handlers.some((handler) => agentLeaseHookOf(handler) === entry.hook)) found.push(entry.event);
  }
  return found;
}

/** agent-lease's handlers in `settings`, on any event. */
export function agentLeaseHandlersIn(settings: Settings): CommandHandler[] {
  const hooks = settings.hooks;
  if (typeof hooks !== 'object' || hooks === null) return [];
  return Object.values(hooks)
    .flatMap((groups) => (Array.isArray(groups) ? (groups as MatcherGroup[]).flatMap(handlersOf) : []))
    .filter((handler): handler is CommandHandler => agentLeaseHookOf(handler) !== null);
}

function withoutAgentLease(groups: MatcherGroup[]): { kept: MatcherGroup[]; removed: HookName[] } {
  const kept: MatcherGroup[] = [];
  const removed: HookName[] = [];
  for (const group of groups) {
    const handlers = handlersOf(group);
    const others = handlers.filter((handler) => {
      const hook = agentLeaseHookOf(handler);
      if (hook !== null) removed.push(hook);
      return hook === null;
    });
    if (others.length === handlers.length) kept.push(group);
    else if (others.length > 0) kept.push({ ...group, hooks: others });
  }
  return { kept, removed };
}

export function hooksObject(settings: Settings): Record<string, unknown> {
  const hooks = settings.hooks ?? {};
  if (typeof hooks !== 'object' || hooks === null || Array.isArray(hooks)) {
    throw new AgentLeaseError('the settings\' "hooks" is not an object; fix the file by hand first');
  }
  return hooks as Record<string, unknown>;
}

export function groupList(hooks: Record<string, unknown>, event: string): MatcherGroup[] {
  const groups = hooks[event] ?? [];
  if (!Array.isArray(groups)) throw new AgentLeaseError(`the settings' "hooks.${event}" is not a list; fix the file by hand first`);
  return groups as MatcherGroup[];
}

export function handlersOf(group: MatcherGroup): unknown[] {
  return Array.isArray(group?.hooks) ? group.hooks : [];
}

function describeEntry(entry: HookEntry, mcp: boolean): string {
  const via = mcp && MCP_HOOK_EVENTS.has(entry.event) ? ' (mcp_tool)' : '';
  return `${entry.event}${entry.matcher === undefined ? '' : ` (${entry.matcher})`} → agent-lease hook ${entry.hook}${via}, timeout ${entry.timeout}s`;
}
