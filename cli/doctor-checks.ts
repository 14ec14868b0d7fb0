// What `doctor` checks, one function per concern. Each answers ok / warn / fail with the fix in
// words; with `fix`, it first repairs what it safely can (and says what it did). Without `fix`
// nothing here writes: the store is opened read-only and the config is read without its cache.
// lib/store (and so better-sqlite3) is loaded only after checkSqlite found that it loads.
import type { StoreFacts } from '../lib/core/store-health';
import type { Store } from '../lib/core/store';
import { chmodSync, constants, existsSync, statfsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HOOK_ENTRIES } from '../lib/claude/hook-commands';
import { inspectClaudeHooks, resolveHookBinary } from '../lib/claude/inspect';
import { loadConfig, CONFIG_FILE } from '../lib/config/load';
import { describeError } from '../lib/util/errors';
import { isAccessible } from '../lib/util/files';
import { firstLine } from '../lib/util/text';
import { repairAllWorktrees, worktreeGuardStates } from '../lib/guard/state';
import { listWorktrees } from '../lib/git/repo';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  check: string;
  status: CheckStatus;
  message: string;
  /** What to do about a warn or fail. */
  fix?: string;
  /** What `--fix` changed. */
  fixed?: string;
}

const MIN_NODE_MAJOR = 20;

const result = (check: string, status: CheckStatus, message: string, extra: { fix?: string; fixed?: string | undefined } = {}): CheckResult => ({
  check,
  status,
  message,
  ...(extra.fix === undefined ? {} : { fix: extra.fix }),
  ...(extra.fixed === undefined ? {} : { fixed: extra.fixed }),
});

export function checkNode(): CheckResult {
  const version = process.versions.node;
  if (Number(version.split('.')[0]) >= MIN_NODE_MAJOR) return result('node', 'ok', `Node ${version}`);
  return result('node', 'fail', `Node ${version} is older than ${MIN_NODE_MAJOR}`, { fix: `install Node ${MIN_NODE_MAJOR} or later` });
}

/** better-sqlite3 and its native module: nothing else works without them. */
export function checkSqlite(): CheckResult {
  let version = 'unknown version';
  try {
    version = (require('better-sqlite3/package.json') as { version: string }).version;
    const sqlite = storeModules().sqliteVersion();
    return result('sqlite', 'ok', `better-sqlite3 ${version} (SQLite ${sqlite}); the native module loads`);
  } catch (error) {
    return result('sqlite', 'fail', `better-sqlite3 ${version} does not load: ${firstLine(describeError(error))}`, {
      fix: 'npm rebuild better-sqlite3 (its native module was built for another Node version or platform)',
    });
  }
}

/** The store: where it is, whether this user can read and write it, its schema and journal mode. */
export async function checkStore(storePath: string, fix: boolean): Promise<CheckResult[]> {
  if (!existsSync(storePath)) {
    const dir = existingAncestor(dirname(storePath));
    if (!isAccessible(dir, constants.W_OK | constants.X_OK)) {
      return [
        result('store', 'fail', `${storePath} does not exist and ${dir} is not writable, so it cannot be created`, {
          fix: `make ${dir} writable for this user`,
        }),
      ];
    }
    return [result('store', 'ok', `${storePath}: not created yet (agent-lease creates it at first use)`)];
  }
  const files = [storePath, `${storePath}-wal`, `${storePath}-shm`].filter((file) => existsSync(file));
  let fixed: string | undefined;
  if (fix) fixed = repairPermissions([dirname(storePath), ...files]);
  const blocked = [dirname(storePath), ...files].filter((file) => !isAccessible(file, constants.R_OK | constants.W_OK));
  if (blocked.length > 0) {
    return [
      result('store', 'fail', `${blocked.join(', ')}: not readable and writable by this user (uid ${process.getuid?.() ?? '?'})`, {
        fix: `give this user read and write access (chmod u+rw, or run as the owner); agent-lease doctor --fix does it for files you own`,
        fixed,
      }),
    ];
  }
  let facts: StoreFacts;
  try {
    facts = await storeModules().readStoreFacts(storePath);
  } catch (error) {
    return [result('store', 'fail', `${storePath} cannot be read as an agent-lease store: ${firstLine(describeError(error))}`, { fix: MOVE_ASIDE, fixed })];
  }
  if (facts.damage !== null) {
    return [result('store', 'fail', `${storePath} is damaged: SQLite's quick_check reports ${facts.damage}`, { fix: MOVE_ASIDE, fixed })];
  }
  const latest = facts.latestSchema;
  const results: CheckResult[] = [];
  if (facts.schema > latest) {
    results.push(
      result('store', 'fail', `${storePath} has schema ${facts.schema}, newer than this agent-lease (${latest})`, { fix: 'upgrade agent-lease', fixed }),
    );
  } else {
    const pending = facts.schema < latest ? ` (migrated to ${latest} at next use)` : '';
    results.push(result('store', 'ok', `${storePath}: readable and writable, schema ${facts.schema}${pending}, ${facts.sessions} session row(s)`, { fixed }));
  }
  if (facts.journal === 'wal') {
    results.push(result('wal', 'ok', 'journal mode WAL'));
  } else if (fix) {
    const store = storeModules().openStore({ path: storePath });
    storeModules().switchToWal(store);
    await store.close();
    const now = (await storeModules().readStoreFacts(storePath)).journal ?? 'unknown';
    results.push(
      result('wal', now === 'wal' ? 'ok' : 'fail', `journal mode ${now.toUpperCase()}`, { fixed: `switched the journal mode from ${facts.journal} to WAL` }),
    );
  } else {
    results.push(
      result('wal', 'fail', `journal mode is ${facts.journal}, not WAL: writers block readers and a crash mid-write is less safe`, {
        fix: 'agent-lease doctor --fix switches it to WAL',
      }),
    );
  }
  return results;
}

// f_type of network and cluster filesystems (linux/magic.h): WAL needs one host's shared memory.
const NETWORK_FILESYSTEMS: Record<number, string> = {
  26985: 'NFS',
  20859: 'SMB',
  4283649346: 'CIFS',
  4266872130: 'SMB2',
  1397113167: 'AFS',
  12805120: 'Ceph',
  16914839: '9P',
  1937076805: 'Coda',
  18225520: 'GFS2',
  1952539503: 'OCFS2',
  198183888: 'Lustre',
  22092: 'NCP',
};
const FUSE = 0x65735546;

export function checkFilesystem(storePath: string): CheckResult {
  const dir = existingAncestor(dirname(storePath));
  if (process.platform !== 'linux') return result('filesystem', 'ok', `not checked on ${process.platform}`);
  let type: number;
  try {
    type = statfsSync(dir).type;
  } catch (error) {
    return result('filesystem', 'warn', `could not tell what filesystem ${dir} is on: ${describeError(error)}`);
  }
  const network = NETWORK_FILESYSTEMS[type];
  const move = 'keep the repository (its .git directory) on a local disk, or point AGENT_LEASE_DB at a local file in every worktree';
  if (network !== undefined) {
    return result(
      'filesystem',
      'fail',
      `${dir} is on a network filesystem (${network}): SQLite's WAL needs one host's shared memory, so leases are not safe there`,
      { fix: move },
    );
  }
  if (type === FUSE) {
    return result('filesystem', 'warn', `${dir} is on a FUSE filesystem; if it is a network one (sshfs, ...), leases are not safe there`, { fix: move });
  }
  return result('filesystem', 'ok', `${dir} is on a local filesystem`);
}

export function checkConfig(worktreeRoot: string): CheckResult {
  const file = join(worktreeRoot, CONFIG_FILE);
  if (!existsSync(file)) return result('config', 'ok', `no ${CONFIG_FILE}: defaults`);
  try {
    loadConfig(worktreeRoot);
    return result('config', 'ok', `${file} is valid`);
  } catch (error) {
    return result('config', 'fail', describeError(error), { fix: `correct ${file} (see the README's Configuration section)` });
  }
}

/**
 * The Claude Code hooks of each worktree and the binary they would run. No hooks at all is a
 * warning (a plugin install is not visible from here); some missing, a settings file that cannot
 * be read, or hooks that would find no binary is a failure. The messages carry their remedy.
 */
export function checkHooks(cwd: string, env: NodeJS.ProcessEnv): CheckResult[] {
  return listWorktrees(cwd)
    .filter((worktree) => !worktree.bare && existsSync(worktree.path))
    .map((worktree) => {
      const inspection = inspectClaudeHooks(worktree.path, { env });
      const where = `${worktree.path} (${worktree.branch ?? 'detached'})`;
      if (inspection.problems.length === 0) {
        return result('hooks', 'ok', `${where}: hooks present, binary ${inspection.binary.path}, which the session's Bash tool runs as agent-lease`);
      }
      const none = inspection.missing.length === HOOK_ENTRIES.length && inspection.files.every((file) => file.problem === null);
      return result('hooks', none ? 'warn' : 'fail', `${where}: ${inspection.problems.join('; ')}`);
    });
}

/**
 * Whether a commit in each worktree runs the guard, and whether the guard finds a binary there
 * (resolveHookBinary is the guard's own lookup: test/binary-lookup.test.ts proves they agree);
 * `fix` repairs every worktree.
 */
export function checkGuard(cwd: string, fix: boolean, env: NodeJS.ProcessEnv): CheckResult[] {
  const repairs = fix ? new Map(repairAllWorktrees(cwd).map((repair) => [repair.worktree, repair])) : new Map();
  return worktreeGuardStates(cwd).map((state) => {
    const where = `${state.worktree} (${state.branch ?? 'detached'})`;
    const repair = repairs.get(state.worktree);
    const fixed = repair?.repaired ? `changed ${repair.changed.join(', ')}` : undefined;
    if (!state.active)
      return result('guard', 'fail', `${where}: ${state.problem ?? 'the commit guard would not run'}`, { fix: state.fix ?? 'agent-lease init', fixed });
    const binary = resolveHookBinary(state.worktree, env);
    if (binary.path === null) {
      return result(
        'guard',
        'fail',
        `${where}: the commit guard is installed (${state.method}) but finds no agent-lease binary (looked in ${binary.tried.slice(0, 2).join(', ')} and PATH), so it refuses every commit once agent-lease has a store`,
        { fix: 'npm install (agent-lease as a dev dependency), or npm i -g agent-lease', fixed },
      );
    }
    return result('guard', 'ok', `${where}: the commit guard runs (${state.method}), with ${binary.path}`, { fixed });
  });
}

/**
 * Sessions never ended whose agent process is gone; `fix` ends them, releasing their leases — their
 * committed, unmerged files pass to their branch, as at SessionEnd (`worktree`: where git runs).
 */
export async function checkSessions(storePath: string, fix: boolean, worktree: string): Promise<CheckResult> {
  if (!existsSync(storePath)) return result('sessions', 'ok', 'no sessions yet');
  let stale: string[];
  let open: number;
  try {
    ({ stale, open } = await storeModules().readSessionFacts(storePath));
  } catch (error) {
    return result('sessions', 'warn', `not checked: ${firstLine(describeError(error))}`);
  }
  const end = async (): Promise<string[]> => {
    const store = storeModules().openStore({ path: storePath });
    try {
      return await endStaleSessions(store, worktree, dirname(storePath));
    } finally {
      await store.close();
    }
  };
  return staleSessionsCheck(open, stale, fix ? end : null);
}

/** What the sessions check says of `open` sessions, `stale` of them with their agent gone; `end` (--fix) ends those, returning their ids. */
export async function staleSessionsCheck(open: number, stale: string[], end: (() => Promise<string[]>) | null): Promise<CheckResult> {
  if (stale.length === 0) return result('sessions', 'ok', `${open} open session(s), none stale`);
  if (end !== null) {
    const ended = await end();
    return result('sessions', 'ok', `${open - ended.length} open session(s), none stale`, { fixed: `ended ${ended.join(', ')} and released their leases` });
  }
  return result(
    'sessions',
    'warn',
    `${stale.length} session(s) whose agent process is gone were never ended: ${stale.join(', ')} (their leases no longer bind)`,
    {
      fix: 'agent-lease doctor --fix (or agent-lease gc) ends them',
    },
  );
}

/** Ends the sessions of `store` whose agent is gone, as SessionEnd would (`configDir`: where the config's cache lives). */
export function endStaleSessions(store: Store, worktree: string, configDir: string): Promise<string[]> {
  const { endStaleSessionsHolding } = require('../lib/holds/session-ending') as typeof import('../lib/holds/session-ending');
  return endStaleSessionsHolding(store, loadConfig(worktree, configDir), { verify: true, from: worktree, actor: null });
}

const MOVE_ASIDE = 'move it aside (agent-lease then starts an empty store; the leases in it are lost)';

/** Adds owner read/write (and search, for directories) to the files this user owns; what it changed. */
function repairPermissions(paths: string[]): string | undefined {
  const changed: string[] = [];
  for (const path of paths) {
    const stat = statSync(path);
    if (stat.uid !== process.getuid?.()) continue;
    const wanted = stat.mode | (stat.isDirectory() ? 0o700 : 0o600);
    if ((stat.mode & 0o7777) === (wanted & 0o7777)) continue;
    chmodSync(path, wanted & 0o7777);
    changed.push(path);
  }
  return changed.length > 0 ? `gave the owner read and write access to ${changed.join(', ')}` : undefined;
}

function existingAncestor(dir: string): string {
  let current = dir;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

/**
 * The store's modules, loaded only when a check needs them: they load better-sqlite3, and `doctor`
 * must still report a native module that does not load rather than fail on it.
 */
function storeModules(): typeof import('../lib/core/sqlite') & typeof import('../lib/core/store-health') & typeof import('../lib/core/sessions') {
  return { ...require('../lib/core/sqlite'), ...require('../lib/core/store-health'), ...require('../lib/core/sessions') };
}
