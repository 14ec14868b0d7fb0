// Team mode as a user meets it, through the compiled CLI and hooks against a real PostgreSQL server:
// moving a repository's leases to PostgreSQL and back (`store migrate`), status, doctor and the
// SessionStart briefing naming the store, and a server that cannot be reached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { CliRepo } from './support/cli';
import { fixture, hookEnv, runHook } from './support/hooks';
import { NO_POSTGRES } from './support/postgres';
import { teamRepo } from './support/team-repo';

function holders(repo: CliRepo, env: NodeJS.ProcessEnv): Record<string, string> {
  const status = repo.json(['status', '--json'], { env }) as { leases: Array<{ pattern: string; holder: string; source: string; branch?: string }> };
  return Object.fromEntries(status.leases.map((lease) => [lease.pattern, lease.source === 'branch' ? `branch ${lease.branch}` : lease.holder]));
}

test('store migrate copies live sessions, leases and branch holds to PostgreSQL and back, and copies nothing twice', { skip: NO_POSTGRES }, async (t) => {
  const { repo, url, team } = await teamRepo(t);
  assert.equal(repo.cli(['claim', 'src/a.ts', '--as', 'alice', '--task', 'auth']).status, 0);
  assert.equal(repo.cli(['claim', 'src/old.ts', '--as', 'alice']).status, 0);
  assert.equal(repo.cli(['release', 'src/old.ts', '--as', 'alice']).status, 0);
  // A branch hold, as a turn's end leaves one (its lease released to the branch): src/held.ts changed on feature, not merged.
  repo.git(['switch', '-q', '-c', 'feature']);
  repo.write('src/held.ts', 'changed on feature\n');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'feature work']);
  const commit = repo.git(['rev-parse', 'HEAD']);
  repo.git(['switch', '-q', 'main']);
  const db = new Database(join(repo.root, '.git', 'agent-lease', 'state.db'));
  const now = Date.now();
  const { lastInsertRowid: token } = db
    .prepare(
      "INSERT INTO leases (session_id, pattern, glob, prefix, mode, source, acquired_at, ttl_ms, expires_at, released_at, release_reason) VALUES ('alice', 'src/held.ts', 0, 'src/', 'exclusive', 'edit', ?, 60000, ?, ?, 'held by branch feature')",
    )
    .run(now, now + 60_000, now);
  db.prepare(
    "INSERT INTO branch_holds (token, path, prefix, branch, commit_id, session_id, created_at, ttl_ms, expires_at) VALUES (?, 'src/held.ts', 'src/', 'feature', ?, 'alice', ?, 3600000, ?)",
  ).run(token, commit, now, now + 3_600_000);
  db.close();
  const local = holders(repo, {});
  assert.deepEqual(local, { 'src/a.ts': 'alice', 'src/held.ts': 'branch feature' });

  const first = repo.cli(['store', 'migrate', '--to', url]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(
    first.stdout,
    /^copied 1 session\(s\), 1 lease\(s\), 1 branch hold\(s\) and 0 message\(s\) from SQLite .* to PostgreSQL 127\.0\.0\.1:\d+\/postgres, repository example\.com\/team\/app-/,
  );
  assert.match(first.stdout, /To use it in every clone: "store": "postgres:\/\/agent@127\.0\.0\.1:\d+\/postgres" in \.agent-lease\.json/);
  const again = repo.json(['store', 'migrate', '--to', url, '--json']);
  assert.deepEqual([again.sessions, again.leases, again.holds, again.present, again.refused], [0, 0, 0, 2, []], 'nothing twice');
  assert.deepEqual(holders(repo, team), local, 'PostgreSQL has what SQLite had');
  assert.equal(repo.cli(['check', 'src/a.ts', '--as', 'bob'], { env: team }).status, 1, "and alice's lease holds there");

  // Work goes on in team mode, then the repository moves back.
  assert.equal(repo.cli(['claim', 'src/b.ts', '--as', 'bob'], { env: team }).status, 0);
  const back = repo.json(['store', 'migrate', '--to', 'sqlite', '--json'], { env: team });
  assert.deepEqual([back.from.engine, back.to.engine, back.sessions, back.leases, back.holds, back.present], ['postgres', 'sqlite', 1, 1, 0, 2]);
  assert.deepEqual(holders(repo, {}), { ...local, 'src/b.ts': 'bob' });

  // A lease the target has given someone else meanwhile is not copied over it.
  assert.equal(repo.cli(['claim', 'src/c.ts', '--as', 'carol'], { env: team }).status, 0);
  assert.equal(repo.cli(['claim', 'src/c.ts', '--as', 'dave']).status, 0);
  const clash = repo.cli(['store', 'migrate', '--to', url]);
  assert.equal(clash.status, 0, clash.stderr);
  assert.match(clash.stdout, /not copied: src\/c\.ts \(session dave\): the target store has it leased to session carol/);
  assert.equal(holders(repo, team)['src/c.ts'], 'carol');

  const same = repo.cli(['store', 'migrate', '--to', 'sqlite']);
  assert.equal(same.status, 2);
  assert.match(same.stderr, /is the store in use already: nothing to copy/);
});

test('status, doctor and the SessionStart briefing say which store is in use, with no password', { skip: NO_POSTGRES }, async (t) => {
  const { repo, url, team } = await teamRepo(t);
  const withPassword = { AGENT_LEASE_STORE: url.replace('agent@', 'agent:n0t-needed@') };
  assert.match(repo.cli(['store']).stdout, /^SQLite .*state\.db\n$/);
  const store = repo.cli(['store'], { env: withPassword }).stdout;
  assert.match(store, /^PostgreSQL 127\.0\.0\.1:\d+\/postgres, repository example\.com\/team\/app-[0-9a-f-]+ \(team mode, from AGENT_LEASE_STORE\)\n$/);
  const status = repo.cli(['status'], { env: withPassword });
  assert.match(
    status.stdout,
    /\n\nStore: PostgreSQL 127\.0\.0\.1:\d+\/postgres, repository example\.com\/team\/app-[0-9a-f-]+ \(team mode, from AGENT_LEASE_STORE\)\n$/,
  );
  const doctor = repo.json(['doctor', '--json'], { env: withPassword }) as { checks: Array<{ check: string; status: string; message: string }> };
  const checks = Object.fromEntries(doctor.checks.map((check) => [check.check, check]));
  assert.match(checks['store-in-use']!.message, /^PostgreSQL 127\.0\.0\.1:\d+\/postgres, repository/);
  assert.equal(checks.store!.status, 'ok');
  assert.match(checks.store!.message, /reachable, schema \d+/);
  const start = runHook('session-start', fixture('session-start.startup', repo.root, 'team-session'), { env: hookEnv(repo.env, team) });
  assert.match(
    start.json?.hookSpecificOutput?.additionalContext ?? '',
    /Team mode: the leases are kept on PostgreSQL 127\.0\.0\.1:\d+\/postgres \(repository example\.com\/team\/app-/,
  );
  for (const text of [store, status.stdout, JSON.stringify(doctor), start.stdout, start.stderr]) assert.doesNotMatch(text, /n0t-needed/);
});

test('a PostgreSQL server that cannot be reached: the hook answers, once its connect budget is spent, with the configured behaviour, in one line naming the server', {
  skip: NO_POSTGRES,
}, async (t) => {
  const { repo } = await teamRepo(t);
  const down = hookEnv(repo.env, { AGENT_LEASE_STORE: 'postgres://agent:secret@127.0.0.1:1/leases' });
  const edit = (): ReturnType<typeof runHook> =>
    runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, 'team-session', { tool_input: { file_path: join(repo.root, 'a.ts'), content: 'x' } }), {
      env: down,
    });
  const allowed = edit();
  assert.equal(allowed.status, 0);
  assert.equal(allowed.json?.hookSpecificOutput?.permissionDecision, undefined, 'allowed, as hooks.onStoreError "allow" says');
  assert.match(
    allowed.json?.systemMessage ?? '',
    /^agent-lease cannot use its store on PostgreSQL 127\.0\.0\.1:1\/leases: .*the edit was allowed WITHOUT a lease/,
  );
  assert.doesNotMatch(allowed.stdout + allowed.stderr, /secret|\n {4}at /);
  repo.write('.agent-lease.json', JSON.stringify({ hooks: { onStoreError: 'deny' } }));
  const denied = edit();
  assert.equal(denied.json?.hookSpecificOutput?.permissionDecision, 'deny');
  const status = repo.cli(['status'], { env: down });
  assert.equal(status.status, 2);
  assert.match(status.stderr, /^agent-lease status: postgres 127\.0\.0\.1:1\/leases: .*\n$/);
});
