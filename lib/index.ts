// agent-lease's public API: the lease library that the hooks, the guard and the CLI are built on.
import { openStore as openStoreFile, type OpenStoreOptions as StoreFileOptions } from './core/sqlite';
import type { Store } from './core/store';
import { defaultStorePath } from './git/store-location';

export interface OpenStoreOptions extends Omit<StoreFileOptions, 'path'> {
  /** The database file; default `AGENT_LEASE_DB`, else `<git common dir>/agent-lease/state.db`. */
  path?: string;
  /** Directory used to find the repository when `path` is not given. */
  cwd?: string;
}

/** Opens (creating it if need be) the store at `path`, or the store of the repository containing `cwd`. */
export function openStore(options: OpenStoreOptions = {}): Store {
  const { cwd, path, ...rest } = options;
  return openStoreFile({ ...rest, path: path ?? defaultStorePath(cwd) });
}

export { SqliteStore, StoreMissingError, isBusyError, withBusyRetry } from './core/sqlite';
export type { Clock } from './core/sqlite';
export { get, all, run } from './core/store';
export type { Store, Body, Statement, SqlValue, RunResult, Dialect, StoreHealth } from './core/store';
export { defaultStorePath, storePathOf } from './git/store-location';
export { registerSession, touchSession, endSession, handOverSession, getSession, listSessions, carryOverLeases, agentSessionOf } from './core/sessions';
export type { Session, SessionRegistration } from './core/sessions';
export { acquire } from './core/acquire';
export { renew } from './core/renew';
export { release } from './core/release';
export { listLeases, liveLeaseSummary, check, who, coverage } from './core/lease-queries';
export { gc } from './core/gc';
export { normalizePattern } from './core/patterns';
export type { Lease, HeldLease, Conflict, LeaseMode, LeaseSource } from './core/lease-types';
export type { AcquireOptions, AcquireResult } from './core/acquire';
export type { ReleaseOptions, ReleaseResult } from './core/release';
export type { CoverageResult, CoverageOptions } from './core/lease-queries';
export type { GcResult } from './core/gc';
export { overlaps, covers, isGlob, matchesAny, matchesEverything } from './core/globs';
export type { LeaseTarget } from './core/globs';
export { readEvents, recordEvent } from './core/events';
export type { LeaseEvent, EventKind, EventQuery, NewEvent } from './core/events';
export { loadConfig, parseConfigFile, DEFAULT_CONFIG, CONFIG_FILE } from './config/load';
export type { Config } from './config/load';
export { locateRepo, locateRepoWithGit, requireRepo, currentBranch, listWorktrees } from './git/repo';
export type { RepoLocation } from './git/repo';
export { repoRelativePath } from './git/paths';
export type { RelativePath } from './git/paths';
export { findAgentProcess, identify, isProcessAlive } from './core/processes';
export type { ProcessIdentity } from './core/processes';
export { parseDuration, formatDuration } from './util/duration';
export { AgentLeaseError, EXIT } from './util/errors';
export { DEFAULT_TTL_MS } from './core/defaults';
export { DEFAULT_IGNORE, DEFAULT_RETENTION_MS } from './config/defaults';
// `.agent-locks/` is the view's name for its users: the public names say "lock files".
export { syncView as syncLockFiles } from './agent-locks/view';
export { VIEW_DIR as LOCKS_DIR } from './agent-locks/view-files';
export type { ViewOptions as LockFileOptions, ViewSync as LockFileSync } from './agent-locks/view';
export type { ViewRecord as LockFileRecord } from './agent-locks/view-files';
