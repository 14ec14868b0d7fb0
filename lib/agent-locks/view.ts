// `.agent-locks/`: the live leases as plain files, one JSON file per lease at the top of every
// worktree, for people and shell scripts that do not call the CLI; and a way for a person to claim
// by dropping a file there. The store is the truth: the directory is regenerated from it under a
// proper-lockfile lock, and kept out of git through the repository's `info/exclude`.
//
// Bounds: at most MAX_VIEW_LEASES files (the oldest live leases) in at most MAX_VIEW_WORKTREES
// worktrees (past that many, those with a `.agent-locks/` already or an open session): a
// repository with hundreds of worktrees on disk does not get hundreds of views written by one hook.
//
// Cost: `syncView` first compares a fingerprint of the live leases and the directories'
// mtimes with those its last rewrite recorded (one indexed query and one stat per worktree) and
// returns when nothing changed, so a hook can call it after a grant. The files carry no expiry, so
// renewals (every edit of a file already leased) never cause a rewrite. proper-lockfile and zod
// are loaded only when there is something to rewrite or a dropped file to read.
import { appendFileSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AgentLeaseError } from '../util/errors';
import { readText, writeAtomically } from '../util/files';
import { formatDuration } from '../util/duration';
import { plainText } from '../util/text';
import { liveHoldLeases } from '../core/branch-holds';
import { listLeases } from '../core/lease-queries';
import type { HeldLease } from '../core/lease-types';
import { worktreeRootsOnDisk } from '../git/repo';
import { sleep } from '../core/sqlite';
import type { Store } from '../core/store';
import { openSessionWorktrees } from '../core/sessions';
import { importDroppedClaims } from './dropped-claims';
import {
  fileName,
  isGeneratedFile,
  jsonFiles,
  readViewFile,
  removeViewFile,
  VIEW_DIR,
  viewDirKind,
  withViewDir,
  writeViewFile,
  type ViewRecord,
} from './view-files';

// On-disk names kept from before the view had its name: an older agent-lease may still run.
const STAMP_FILE = 'lock-files.json';
const LOCK_FILE = 'lock-files.lock';
const LOCK_ATTEMPTS = 40;
const LOCK_RETRY_MS = 25;
export const MAX_VIEW_LEASES = 100;
export const MAX_VIEW_WORKTREES = 20;

export interface ViewSync {
  /** False when nothing had changed since the last rewrite. */
  rewritten: boolean;
  /** Claims dropped by people and granted (each file is then replaced by the generated ones). */
  imported: Array<{ file: string; session: string; patterns: string[] }>;
  /** Dropped files that could not be granted, renamed to `<name>.refused` with the reason inside. */
  refused: Array<{ file: string; reason: string }>;
  /** Worktrees whose `.agent-locks` is not a real directory (a link, a file): left alone. */
  skipped: string[];
}

export interface ViewOptions {
  /** The store's file: the record of the last rewrite and the lock every rewrite holds live beside it. */
  storePath: string;
  /** Time to live of a dropped claim that names none. */
  claimTtlMs: number;
  /** Rewrite even when nothing seems to have changed. */
  force?: boolean;
}

interface Stamp {
  fingerprint: string;
  dirs: Record<string, number>;
}

/** Brings `.agent-locks/` of every worktree in line with the store, taking dropped files as claims. */
export async function syncView(store: Store, commonDir: string, options: ViewOptions): Promise<ViewSync> {
  const roots = await viewRoots(store, commonDir);
  const stampPath = join(dirname(options.storePath), STAMP_FILE);
  if (!options.force && stampMatches(readStamp(stampPath), fingerprint(await shownLeases(store)), roots)) {
    return { rewritten: false, imported: [], refused: [], skipped: [] };
  }
  return withLock(options.storePath, async () => {
    const result: ViewSync = { rewritten: true, imported: [], refused: [], skipped: [] };
    for (const root of roots) await importDroppedClaims(store, root, options, result);
    const leases = await shownLeases(store);
    const files = new Map(leases.map((lease) => [fileName(lease), `${JSON.stringify(viewRecord(lease), null, 2)}\n`]));
    let wrote = false;
    for (const root of roots) {
      const dir = join(root, VIEW_DIR);
      if (viewDirKind(dir) === 'unusable') result.skipped.push(dir);
      else wrote = (await writeView(dir, files)) || wrote;
    }
    if (wrote) excludeViewFromGit(commonDir);
    writeStamp(stampPath, { fingerprint: fingerprint(leases), dirs: dirMtimes(roots) });
    return result;
  });
}

/** Live leases, then branch holds (a committed change not merged yet), at most MAX_VIEW_LEASES in all. */
async function shownLeases(store: Store): Promise<HeldLease[]> {
  const leases = await listLeases(store, { limit: MAX_VIEW_LEASES });
  const holds = (await liveHoldLeases(store)).slice(0, MAX_VIEW_LEASES - leases.length);
  return [...leases, ...holds];
}

/** Every worktree on disk; past MAX_VIEW_WORKTREES, those that have a view or an open session, up to that many. */
async function viewRoots(store: Store, commonDir: string): Promise<string[]> {
  const roots = worktreeRootsOnDisk(commonDir);
  if (roots.length <= MAX_VIEW_WORKTREES) return roots;
  const worked = new Set(await openSessionWorktrees(store, MAX_VIEW_WORKTREES * 4));
  return roots.filter((root) => worked.has(root) || viewDirKind(join(root, VIEW_DIR)) !== 'absent').slice(0, MAX_VIEW_WORKTREES);
}

function viewRecord(lease: HeldLease): ViewRecord {
  return {
    agent: lease.holder.name,
    session: lease.sessionId,
    token: lease.token,
    task: lease.task,
    files: [lease.pattern],
    mode: lease.mode,
    source: lease.source,
    started: lease.acquiredAt.toISOString(),
    ttl: formatDuration(lease.expiresAt.getTime() - lease.acquiredAt.getTime()),
    ...(lease.hold === undefined ? {} : { branch: lease.hold.branch, commit: lease.hold.commit }),
  };
}

function fingerprint(leases: HeldLease[]): string {
  return leases.map((lease) => [lease.token, lease.holder.name, lease.mode, lease.task ?? ''].join('\t')).join('\n');
}

function readStamp(path: string): Stamp | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Stamp;
  } catch {
    return null;
  }
}

function writeStamp(path: string, stamp: Stamp): void {
  writeAtomically(path, JSON.stringify(stamp));
}

function stampMatches(stamp: Stamp | null, current: string, roots: string[]): boolean {
  if (stamp === null || stamp.fingerprint !== current) return false;
  const mtimes = dirMtimes(roots);
  const recorded = Object.keys(stamp.dirs ?? {});
  return recorded.length === roots.length && roots.every((root) => stamp.dirs[root] === mtimes[root]);
}

/** Each worktree's `.agent-locks/` mtime, -1 when it has none: a dropped file changes it. */
function dirMtimes(roots: string[]): Record<string, number> {
  const mtimes: Record<string, number> = {};
  for (const root of roots) {
    try {
      mtimes[root] = lstatSync(join(root, VIEW_DIR)).mtimeMs;
    } catch {
      mtimes[root] = -1;
    }
  }
  return mtimes;
}

/** The proper-lockfile lock every rewrite of `.agent-locks/` holds, next to the store. */
export function viewLockPath(storePath: string): string {
  return join(dirname(storePath), LOCK_FILE);
}

async function withLock<T>(storePath: string, fn: () => Promise<T>): Promise<T> {
  const lockfile = require('proper-lockfile') as typeof import('proper-lockfile');
  const lockfilePath = viewLockPath(storePath);
  const options = { lockfilePath, realpath: false, stale: 10_000 };
  // In team mode no SQLite file has made the directory of the local files.
  mkdirSync(dirname(storePath), { recursive: true });
  let unlock: () => void;
  for (let attempt = 1; ; attempt++) {
    try {
      unlock = lockfile.lockSync(dirname(storePath), options);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (attempt >= LOCK_ATTEMPTS) {
        throw new AgentLeaseError(
          `another process has held ${lockfilePath} for over ${(LOCK_ATTEMPTS * LOCK_RETRY_MS) / 1000}s; the next change will catch up`,
        );
      }
      sleep(LOCK_RETRY_MS);
    }
  }
  try {
    return await fn();
  } finally {
    unlock();
  }
}

/** Writes the generated files into `dir` and removes generated files of leases that ended; true when `dir` is in use. */
async function writeView(dir: string, files: Map<string, string>): Promise<boolean> {
  const used = await withViewDir(dir, { create: files.size > 0 }, (view) => {
    for (const name of jsonFiles(view)) {
      if (!files.has(name) && isGeneratedFile(view, name)) removeViewFile(view, name);
    }
    for (const [name, text] of files) {
      if (readViewFile(view, name) !== text) writeViewFile(view, name, text);
    }
    return true;
  });
  return used === true;
}

/**
 * `.agent-locks/` is generated: ignored in every worktree through the shared `info/exclude`.
 * Returns the file when it lacked the line (and, unless `dryRun`, now has it), else null.
 */
export function excludeViewFromGit(commonDir: string, dryRun = false): string | null {
  const exclude = join(commonDir, 'info', 'exclude');
  const current = readText(exclude) ?? '';
  if (current.split('\n').some((line) => ['.agent-locks', '.agent-locks/', '/.agent-locks', '/.agent-locks/'].includes(line.trim()))) return null;
  if (dryRun) return exclude;
  mkdirSync(dirname(exclude), { recursive: true });
  appendFileSync(exclude, `${current === '' || current.endsWith('\n') ? '' : '\n'}/${VIEW_DIR}/\n`);
  return exclude;
}

/** What a sync did with the files people dropped, one line each for the user. */
export function describeViewSync(sync: ViewSync): string[] {
  return [
    ...sync.imported.map((taken) => `agent-lease: took ${taken.file} as a claim by ${taken.session} on ${taken.patterns.join(', ')}`),
    ...sync.refused.map((refused) => `agent-lease: did not take ${refused.file} as a claim: ${refused.reason} (kept as ${refused.file}.refused)`),
    ...sync.skipped.map((dir) => `agent-lease: ${dir} is not a directory (a link?): it was neither read nor written`),
  ].map((line) => plainText(line, 1000));
}
