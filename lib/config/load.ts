// `.agent-lease.json` at the worktree root, validated with zod. Hooks run on every tool call and
// zod costs tens of milliseconds to load, so a validated config is cached next to the store,
// keyed by the file's path, size and mtime; zod is loaded only when the file changed.
import { mkdirSync, readFileSync, type Stats, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HoldMode } from '../core/branch-holds';
import { DEFAULT_TTL_MS } from '../core/defaults';
import { DEFAULT_IGNORE, DEFAULT_RETENTION_MS } from './defaults';
import { writeAtomically } from '../util/files';
import { AgentLeaseError } from '../util/errors';

export const CONFIG_FILE = '.agent-lease.json';

export interface Config {
  ttl: { editMs: number; claimMs: number };
  /** Globs of paths never leased (replaces the defaults when the file sets it). */
  ignore: string[];
  guard: { onStoreError: 'refuse' | 'warn' };
  hooks: { onStoreError: 'allow' | 'deny' };
  retentionMs: number;
  /** Where work is merged; null: found from the repository (lib/git/integration.ts). */
  integrationBranch: string | null;
  /** Branch holds: how they count for edits, how long they last, and whether a person's commit is refused or warned. */
  branchHolds: { mode: HoldMode; ttlMs: number; personCommits: 'warn' | 'refuse' };
  /** The store the file names: `sqlite`, or a PostgreSQL URL without a password; null: not named (lib/stores/choice.ts). */
  store: string | null;
  /** What every clone calls this repository in a shared store; null: the integration remote's URL (lib/git/identity.ts). */
  repositoryId: string | null;
}

export const DEFAULT_CONFIG: Config = {
  ttl: { editMs: DEFAULT_TTL_MS.edit, claimMs: DEFAULT_TTL_MS.claim },
  ignore: [...DEFAULT_IGNORE],
  guard: { onStoreError: 'refuse' },
  hooks: { onStoreError: 'allow' },
  retentionMs: DEFAULT_RETENTION_MS,
  integrationBranch: null,
  branchHolds: { mode: 'deny', ttlMs: DEFAULT_TTL_MS.branch, personCommits: 'warn' },
  store: null,
  repositoryId: null,
};

const CONFIG_KEYS = Object.keys(DEFAULT_CONFIG);

interface CacheEntry {
  size: number;
  mtimeMs: number;
  config: Config;
}

/**
 * The configuration of the worktree at `root`; defaults when it has no config file. Throws an
 * AgentLeaseError naming the file and the field when the file is invalid.
 */
export function loadConfig(root: string, cacheDir?: string): Config {
  const file = join(root, CONFIG_FILE);
  let stat: Stats | undefined;
  try {
    // Most worktrees have none: no exception for that, on every hook call.
    stat = statSync(file, { throwIfNoEntry: false });
  } catch {
    return DEFAULT_CONFIG;
  }
  if (stat === undefined) return DEFAULT_CONFIG;
  const known = loaded.get(file);
  if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs) return known.config;
  const config = cachedOrParsed(file, stat, cacheDir);
  loaded.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, config });
  return config;
}

/**
 * The configurations this process has read, by file: a resident process (the MCP server) reads
 * the cache file only when the configuration changed.
 */
const loaded = new Map<string, CacheEntry>();

function cachedOrParsed(file: string, stat: Stats, cacheDir: string | undefined): Config {
  const cacheFile = cacheDir === undefined ? undefined : join(cacheDir, 'config-cache.json');
  const cache = cacheFile === undefined ? {} : readCache(cacheFile);
  const hit = cache[file];
  // An entry written by an older agent-lease lacks the settings added since: validated anew.
  if (hit && hit.size === stat.size && hit.mtimeMs === stat.mtimeMs && CONFIG_KEYS.every((key) => key in hit.config)) return hit.config;

  const config = parseConfigFile(file);
  if (cacheFile !== undefined) {
    cache[file] = { size: stat.size, mtimeMs: stat.mtimeMs, config };
    writeCache(cacheFile, cache);
  }
  return config;
}

export function parseConfigFile(file: string): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AgentLeaseError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const { validateConfig } = require('./schema') as typeof import('./schema');
  const result = validateConfig(raw);
  if (!result.ok) throw new AgentLeaseError(`${file}: ${result.problem}`);
  const parsed = result.value;
  return {
    ttl: {
      editMs: parsed.ttl?.edit ?? DEFAULT_CONFIG.ttl.editMs,
      claimMs: parsed.ttl?.claim ?? DEFAULT_CONFIG.ttl.claimMs,
    },
    ignore: parsed.ignore ?? DEFAULT_CONFIG.ignore,
    guard: { onStoreError: parsed.guard?.onStoreError ?? DEFAULT_CONFIG.guard.onStoreError },
    hooks: { onStoreError: parsed.hooks?.onStoreError ?? DEFAULT_CONFIG.hooks.onStoreError },
    retentionMs: parsed.retention ?? DEFAULT_CONFIG.retentionMs,
    integrationBranch: parsed.integrationBranch ?? null,
    branchHolds: {
      mode: parsed.branchHolds?.mode ?? DEFAULT_CONFIG.branchHolds.mode,
      ttlMs: parsed.branchHolds?.ttl ?? DEFAULT_CONFIG.branchHolds.ttlMs,
      personCommits: parsed.branchHolds?.personCommits ?? DEFAULT_CONFIG.branchHolds.personCommits,
    },
    store: parsed.store ?? null,
    repositoryId: parsed.repositoryId ?? null,
  };
}

function readCache(file: string): Record<string, CacheEntry> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, CacheEntry>;
  } catch {
    return {};
  }
}

function writeCache(file: string, cache: Record<string, CacheEntry>): void {
  try {
    // In team mode no SQLite file has made the directory of the local files.
    mkdirSync(dirname(file), { recursive: true });
    writeAtomically(file, JSON.stringify(cache));
  } catch {
    // A cache that cannot be written only costs the next call a validation.
  }
}
