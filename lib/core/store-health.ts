// What `doctor` reads of a store without changing it: SQLite itself, the schema, the journal mode,
// damage SQLite's quick_check finds, and the sessions in it. The store is opened read-only.
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations';
import { staleSessions } from './sessions';
import { Store } from './store';

export interface StoreFacts {
  schema: number;
  /** The schema this agent-lease writes. */
  latestSchema: number;
  journal: string;
  sessions: number;
  /** What quick_check reports, quoted (null: nothing wrong). */
  damage: string | null;
}

/** The SQLite version the native module runs; throws when the module does not load. */
export function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  } finally {
    db.close();
  }
}

export function readStoreFacts(storePath: string): StoreFacts {
  return withReadOnlyStore(storePath, (store) => {
    // Damage in pages no query here happens to read is only found by checking them all.
    const report = (store.db.pragma('quick_check(3)') as Array<{ quick_check: string }>).map((row) => row.quick_check).join('\n');
    // The report's lines after its "*** in database main ***" heading, if any.
    const problems = report.split('\n').filter((line) => line !== '' && !line.startsWith('*** '));
    return {
      schema: store.db.pragma('user_version', { simple: true }) as number,
      latestSchema: MIGRATIONS.length,
      journal: String(store.db.pragma('journal_mode', { simple: true })).toLowerCase(),
      sessions: (store.db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n,
      damage: report === 'ok' ? null : (problems.length > 0 ? problems : [report]).map((line) => JSON.stringify(line)).join(', '),
    };
  });
}

/** Open sessions, and those of them whose agent process is gone. */
export function readSessionFacts(storePath: string): { stale: string[]; open: number } {
  return withReadOnlyStore(storePath, (store) => {
    const stale = staleSessions(store).map((session) => session.id);
    const open = (store.db.prepare('SELECT count(*) AS n FROM sessions WHERE ended_at IS NULL').get() as { n: number }).n;
    return { stale, open };
  });
}

function withReadOnlyStore<T>(storePath: string, fn: (store: Store) => T): T {
  const db = new Database(storePath, { readonly: true, fileMustExist: true });
  try {
    return fn(new Store(db, storePath, Date.now));
  } finally {
    db.close();
  }
}
