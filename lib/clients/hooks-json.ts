// agent-lease's entries in a client's JSON hooks file shaped like Claude Code's
// (`{"hooks": {"<Event>": [{"matcher": …, "hooks": [{"type": "command", …}]}]}}`): Codex's
// .codex/hooks.json and Gemini CLI's .gemini/settings.json. Adding them (each once, replacing an
// earlier version's), taking them out again; everything else in the file is kept, in its place.
import { isDeepStrictEqual } from 'node:util';
import { binaryCommand } from '../claude/hook-commands';
import type { MatcherGroup, Settings } from '../claude/settings-file';
import { groupList, handlersOf, hooksObject, withHooks } from '../claude/settings-hooks';

export interface ClientHookEntry {
  event: string;
  /** The adapter's event: `agent-lease hook <client> <hook>`. */
  hook: string;
  matcher?: string;
  /** In the client's unit (Codex: seconds, Gemini CLI: milliseconds). */
  timeout: number;
}

export interface HooksChange {
  settings: Settings;
  /** One line per entry changed. */
  changes: string[];
}

export function clientHookCommand(client: string, hook: string): string {
  return binaryCommand(`hook ${client} ${hook}`);
}

/** Whether a handler runs agent-lease's hook of `client` (also an earlier version's command). */
export function isClientHook(handler: unknown, client: string): boolean {
  if (typeof handler !== 'object' || handler === null) return false;
  const { type, command } = handler as { type?: unknown; command?: unknown };
  return type === 'command' && typeof command === 'string' && command.includes('agent-lease') && new RegExp(`\\bhook ${client} [a-z-]+\\b`).test(command);
}

export function addClientHooks(settings: Settings, client: string, entries: readonly ClientHookEntry[]): HooksChange {
  const hooks = hooksObject(settings);
  const next: Record<string, unknown> = { ...hooks };
  const changes: string[] = [];
  for (const [event, value] of Object.entries(hooks)) {
    if (!Array.isArray(value) || entries.some((entry) => entry.event === event)) continue;
    const { kept, removed } = without(value as MatcherGroup[], client);
    if (removed === 0) continue;
    next[event] = kept;
    changes.push(`removed ${event} → agent-lease hook ${client}`);
  }
  for (const entry of entries) {
    const desired = groupFor(entry, client);
    const groups = groupList(hooks, entry.event);
    const { kept, removed } = without(groups, client);
    if (removed === 1 && groups.some((group) => isDeepStrictEqual(group, desired))) continue;
    next[entry.event] = [...kept, desired];
    changes.push(
      `${removed === 0 ? 'added' : 'updated'} ${entry.event}${entry.matcher === undefined ? '' : ` (${entry.matcher})`} → agent-lease hook ${client} ${entry.hook}`,
    );
  }
  return { settings: changes.length === 0 ? settings : { ...settings, hooks: next }, changes };
}

/** `settings` without `client`'s agent-lease entries; groups and events left empty by that are dropped. */
export function removeClientHooks(settings: Settings, client: string): HooksChange {
  if (settings.hooks === undefined) return { settings, changes: [] };
  const hooks = hooksObject(settings);
  const next: Record<string, unknown> = {};
  const changes: string[] = [];
  for (const [event, value] of Object.entries(hooks)) {
    if (!Array.isArray(value)) {
      next[event] = value;
      continue;
    }
    const { kept, removed } = without(value as MatcherGroup[], client);
    if (removed > 0) changes.push(`removed ${event} → agent-lease hook ${client}`);
    if (kept.length > 0 || removed === 0) next[event] = kept;
  }
  if (changes.length === 0) return { settings, changes };
  return { settings: withHooks(settings, next), changes };
}

/** Where each agent-lease handler of `client` sits: its event, group index and handler index. */
export function clientHookPositions(settings: Settings, client: string): Array<{ event: string; group: number; handler: number }> {
  const hooks = settings.hooks;
  if (typeof hooks !== 'object' || hooks === null) return [];
  const positions: Array<{ event: string; group: number; handler: number }> = [];
  for (const [event, groups] of Object.entries(hooks as Record<string, unknown>)) {
    if (!Array.isArray(groups)) continue;
    (groups as MatcherGroup[]).forEach((group, groupIndex) => {
      handlersOf(group).forEach((handler, handlerIndex) => {
        if (isClientHook(handler, client)) positions.push({ event, group: groupIndex, handler: handlerIndex });
      });
    });
  }
  return positions;
}

function groupFor(entry: ClientHookEntry, client: string): MatcherGroup {
  const handler = { type: 'command', command: clientHookCommand(client, entry.hook), timeout: entry.timeout };
  return entry.matcher === undefined ? { hooks: [handler] } : { matcher: entry.matcher, hooks: [handler] };
}

function without(groups: MatcherGroup[], client: string): { kept: MatcherGroup[]; removed: number } {
  const kept: MatcherGroup[] = [];
  let removed = 0;
  for (const group of groups) {
    const handlers = handlersOf(group);
    const others = handlers.filter((handler) => !isClientHook(handler, client));
    removed += handlers.length - others.length;
    if (others.length === handlers.length) kept.push(group);
    else if (others.length > 0) kept.push({ ...group, hooks: others });
  }
  return { kept, removed };
}
