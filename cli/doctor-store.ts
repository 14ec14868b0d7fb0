// `doctor`'s word on which store the repository uses. SQLite's file is checked by doctor-checks.ts;
// a PostgreSQL store (team mode) is checked by reaching it: connected, its schema read, its
// sessions counted, every failure one line naming the server.
import { dirname } from 'node:path';
import { DEFAULT_CONFIG, loadConfig } from '../lib/config/load';
import { staleSessions } from '../lib/core/sessions';
import { all } from '../lib/core/store';
import { MIGRATIONS } from '../lib/core/migrations';
import { requireRepo } from '../lib/git/repo';
import { storePathOf } from '../lib/git/store-location';
import { chooseStore, describeStore, type StoreChoice } from '../lib/stores/choice';
import { openChosenStore } from '../lib/stores/open';
import { describeError } from '../lib/util/errors';
import { firstLine } from '../lib/util/text';
import { endStaleSessions, staleSessionsCheck, type CheckResult } from './doctor-checks';

/** The store in use, or the check that says why team mode cannot be used. */
export function storeInUse(cwd: string): StoreChoice | CheckResult {
  const repo = requireRepo(cwd);
  let config = DEFAULT_CONFIG;
  try {
    config = loadConfig(repo.worktreeRoot, dirname(storePathOf(repo)));
  } catch {
    // The config check says what is wrong with the file.
  }
  try {
    return chooseStore(repo, config);
  } catch (error) {
    return { check: 'store', status: 'fail', message: firstLine(describeError(error)) };
  }
}

export function storeInUseCheck(choice: StoreChoice): CheckResult {
  return { check: 'store-in-use', status: 'ok', message: describeStore(choice) };
}

/**
 * Reaches the PostgreSQL store: its schema, and the sessions it holds; with `fix`, ends those whose
 * agent is gone as SQLite's check does (`worktree`: where git runs).
 */
export async function checkTeamStore(choice: Extract<StoreChoice, { engine: 'postgres' }>, fix: boolean, worktree: string): Promise<CheckResult[]> {
  const store = openChosenStore(choice);
  try {
    const { schema } = await store.health();
    const open = await store.read(() => all<{ id: string }>('SELECT id FROM sessions WHERE ended_at IS NULL'));
    const stale = (await staleSessions(store)).map((session) => session.id);
    const latest = MIGRATIONS.length;
    if (schema > latest) {
      return [
        {
          check: 'store',
          status: 'fail',
          message: `PostgreSQL ${choice.server} has schema ${schema}, newer than this agent-lease (${latest})`,
          fix: 'upgrade agent-lease',
        },
      ];
    }
    return [
      { check: 'store', status: 'ok', message: `PostgreSQL ${choice.server}: reachable, schema ${schema}, ${open.length} open session(s)` },
      await staleSessionsCheck(open.length, stale, fix ? () => endStaleSessions(store, worktree, dirname(storePathOf(requireRepo(worktree)))) : null),
    ];
  } catch (error) {
    return [
      {
        check: 'store',
        status: 'fail',
        message: firstLine(describeError(error)),
        fix: 'check that the server runs and is reachable from here, and the user and password (PGPASSWORD or ~/.pgpass)',
      },
    ];
  } finally {
    await store.close();
  }
}
