// `.agent-locks/`: the live leases as plain files, one JSON file per lease at the top of every
// worktree, for people and shell scripts that do not call the CLI; and a way for a person to claim
// by dropping a file there. The store is the truth: the directory is regenerated from it under a
// proper-lockfile lock, and kept out of git through the repository's `info/exclude`.
//
// Cost: `syncLockFiles` first compares a fingerprint of the live leases and the directories'
// mtimes with those its last rewrite recorded (one indexed query and one stat per worktree) and
// returns when nothing changed, so a hook can call it after a grant. The files carry no expiry, so
// renewals (every edit of a file already leased) never cause a rewrite. proper-lockfile and zod
// are loaded only when there is something to rewrite or a dropped file to read.
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AgentLeaseError, describeError } from '../util/errors';
import { readText, writeAtomically } from '../util/files';
import { formatDuration } from '../util/duration';
import { describeHeldLease } from '../core/lease-wording';
import { acquire } from '../core/acquire';
import { listLeases } from '../core/lease-queries';
import type { HeldLease, LeaseMode, LeaseSource } from '../core/lease-types';
import { currentBranch, locateRepo, worktreeRootsOnDisk } from '../git/repo';
import { registerSession } from '../core/sessions';
import { sleep, type Store } from '../core/store';

export const LOCKS_DIR = '.agent-locks';
const STAMP_FILE = 'lock-files.json';
const LOCK_FILE = 'lock-files.lock';
const LOCK_ATTEMPTS = 40;
const LOCK_RETRY_MS = 25;

/** One generated file: a live lease. */
export interface LockFileRecord {
  agent: string;
  session: string;
  token: number;
  task: string | null;
  files: string[];
  mode: LeaseMode;
  source: LeaseSource;
  started: string;
  ttl: string;
}

export interface LockFileSync {
  /** False when nothing had changed since the last rewrite. */
  rewritten: boolean;
  /** Claims dropped by people and granted (each file is then replaced by the generated ones). */
  imported: Array<{ file: string; session: string; patterns: string[] }>;
  /** Dropped files that could not be granted, renamed to `<name>.refused` with the reason inside. */
  refused: Array<{ file: string; reason: string }>;
}

export interface LockFileOptions {
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
export function syncLockFiles(store: Store, commonDir: string, options: LockFileOptions): LockFileSync {
  const roots = worktreeRootsOnDisk(commonDir);
  const stampPath = join(dirname(store.path), STAMP_FILE);
  if (!options.force && stampMatches(readStamp(stampPath), fingerprint(listLeases(store)), roots)) {
    return { rewritten: false, imported: [], refused: [] };
  }
  return withLock(store.path, () => {
    const result: LockFileSync = { rewritten: true, imported: [], refused: [] };
    for (const root of roots) importDroppedClaims(store, root, options, result);
    const leases = listLeases(store);
    const files = new Map(leases.map((lease) => [fileName(lease), `${JSON.stringify(lockFileRecord(lease), null, 2)}\n`]));
    let wrote = false;
    for (const root of roots) wrote = writeView(join(root, LOCKS_DIR), files) || wrote;
    if (wrote) excludeLockFilesFromGit(commonDir);
    writeStamp(stampPath, { fingerprint: fingerprint(leases), dirs: dirMtimes(roots) });
    return result;
  });
}

function lockFileRecord(lease: HeldLease): LockFileRecord {
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
      mtimes[root] = statSync(join(root, LOCKS_DIR)).mtimeMs;
    } catch {
      mtimes[root] = -1;
    }
  }
  return mtimes;
}

/** The proper-lockfile lock every rewrite of `.agent-locks/` holds, next to the store. */
export function lockFilesLockPath(storePath: string): string {
  return join(dirname(storePath), LOCK_FILE);
}

function withLock<T>(storePath: string, fn: () => T): T {
  const lockfile = require('proper-lockfile') as typeof import('proper-lockfile');
  const lockfilePath = lockFilesLockPath(storePath);
  const options = { lockfilePath, realpath: false, stale: 10_000 };
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
    return fn();
  } finally {
    unlock();
  }
}

/** Writes the generated files into `dir` and removes generated files of leases that ended; true when `dir` is in use. */
function writeView(dir: string, files: Map<string, string>): boolean {
  const existing = jsonFiles(dir);
  if (existing === null && files.size === 0) return false;
  mkdirSync(dir, { recursive: true });
  for (const name of existing ?? []) {
    if (!files.has(name) && isGeneratedFile(join(dir, name))) rmSync(join(dir, name), { force: true });
  }
  for (const [name, text] of files) {
    if (readText(join(dir, name)) !== text) writeAtomically(join(dir, name), text);
  }
  return true;
}

/** Files a person dropped (JSON without a `token`) become `file` leases of the session they name. */
function importDroppedClaims(store: Store, root: string, options: LockFileOptions, result: LockFileSync): void {
  const dir = join(root, LOCKS_DIR);
  for (const name of jsonFiles(dir) ?? []) {
    const file = join(dir, name);
    const text = readText(file);
    if (text === null) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      refuse(file, text, `not valid JSON (${(error as Error).message})`, result);
      continue;
    }
    if (isGeneratedRecord(value)) continue;
    const { validateDroppedClaim } = require('./claim-schema') as typeof import('./claim-schema');
    const checked = validateDroppedClaim(value);
    if (!checked.ok) {
      refuse(file, text, checked.problem, result);
      continue;
    }
    const claim = checked.value;
    const session = claim.session ?? claim.agent ?? basename(name, '.json');
    try {
      const location = locateRepo(root);
      registerSession(store, {
        id: session,
        ...(claim.agent === undefined ? {} : { name: claim.agent }),
        runtime: 'cli',
        worktree: root,
        branch: location === null ? null : currentBranch(location.gitDir),
      });
      const outcome = acquire(store, session, claim.files, {
        source: 'file',
        task: claim.task ?? null,
        ttlMs: claim.ttl ?? options.claimTtlMs,
        mode: claim.mode ?? 'exclusive',
      });
      if (!outcome.ok) {
        const now = store.now();
        refuse(file, text, outcome.conflicts.map((conflict) => `${conflict.pattern}: ${describeHeldLease(conflict.held, now)}`).join('; '), result);
        continue;
      }
      rmSync(file, { force: true });
      result.imported.push({ file, session, patterns: [...outcome.granted, ...outcome.renewed].map((lease) => lease.pattern) });
    } catch (error) {
      refuse(file, text, describeError(error), result);
    }
  }
}

function refuse(file: string, text: string, reason: string, result: LockFileSync): void {
  const note = `# agent-lease did not take this claim (${new Date().toISOString()}): ${reason}\n# Fix it and save it again as a .json file in this directory.\n`;
  try {
    writeFileSync(`${file}.refused`, note + text);
    rmSync(file, { force: true });
  } catch {
    // Left in place, it is tried again at the next rewrite; the reason is still reported.
  }
  result.refused.push({ file, reason });
}

function isGeneratedRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { token?: unknown }).token === 'number';
}

function isGeneratedFile(file: string): boolean {
  const text = readText(file);
  if (text === null) return false;
  try {
    return isGeneratedRecord(JSON.parse(text));
  } catch {
    return false;
  }
}

function fileName(lease: HeldLease): string {
  const holder = lease.holder.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40) || 'session';
  return `${holder}.${lease.token}.json`;
}

function jsonFiles(dir: string): string[] | null {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith('.json') && !name.startsWith('.'))
      .sort();
  } catch {
    return null;
  }
}

/**
 * `.agent-locks/` is generated: ignored in every worktree through the shared `info/exclude`.
 * Returns the file when it lacked the line (and, unless `dryRun`, now has it), else null.
 */
export function excludeLockFilesFromGit(commonDir: string, dryRun = false): string | null {
  const exclude = join(commonDir, 'info', 'exclude');
  const current = readText(exclude) ?? '';
  if (current.split('\n').some((line) => ['.agent-locks', '.agent-locks/', '/.agent-locks', '/.agent-locks/'].includes(line.trim()))) return null;
  if (dryRun) return exclude;
  mkdirSync(dirname(exclude), { recursive: true });
  appendFileSync(exclude, `${current === '' || current.endsWith('\n') ? '' : '\n'}/${LOCKS_DIR}/\n`);
  return exclude;
}
