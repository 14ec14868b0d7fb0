// PostgreSQL URLs as libpq reads them, lists of servers included: what agent-lease reads from
// them, the server names it shows, and the password it never shows or lets into a committed file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../lib/config/schema';
import { postgresUrlProblem, urlHasPassword } from '../lib/config/store-url';
import { parsePostgresUrl, withoutPassword } from '../lib/util/postgres-url';
import { connectionSettings } from '../lib/postgres/connection-settings';

test('a list of servers is read host by host, with the user, database and parameters once', () => {
  const url = parsePostgresUrl('postgresql://team:p%40ss@db-a:5432,[::1]:6432,db-c/leases?sslmode=require&connect_timeout=3');
  assert.deepEqual(url.hosts, [
    { host: 'db-a', port: '5432' },
    { host: '::1', port: '6432' },
    { host: 'db-c', port: '' },
  ]);
  assert.deepEqual([url.user, url.password, url.database, url.params.get('sslmode')], ['team', 'p@ss', 'leases', 'require']);
  assert.equal(connectionSettings('postgres://team@db-a:5432,[::1]:6432,db-c/leases').server, 'db-a:5432,::1:6432,db-c:5432/leases');
  assert.equal(connectionSettings('postgres://team@db').server, 'db:5432/team');
});

test('what is not a PostgreSQL URL gets one line that does not quote it', () => {
  for (const text of ['mysql://root:hunter2@db/x', 'postgres://db-a:port/x', 'postgres://db-a,db-b:99999/x']) {
    const problem = postgresUrlProblem(text);
    assert.ok(problem !== null, text);
    assert.doesNotMatch(problem, /hunter2|db-a|\n/);
  }
  assert.equal(postgresUrlProblem('postgres://agent@127.0.0.1:5432,127.0.0.1:5433/postgres'), null);
});

test('a password anywhere in the URL is found, and taken out of what is shown', () => {
  assert.equal(urlHasPassword('postgres://team:secret@db-a,db-b/leases'), true);
  assert.equal(urlHasPassword('postgres://team@db-a,db-b/leases?password=secret'), true);
  assert.equal(urlHasPassword('postgres://team@db-a,db-b/leases'), false);
  assert.equal(withoutPassword('postgres://team:secret@db-a,db-b:7/leases?password=x&sslmode=require'), 'postgres://team@db-a,db-b:7/leases?sslmode=require');
  assert.equal(withoutPassword('postgres://team:a@b@db/leases'), 'postgres://team@db/leases', 'the user part runs to the last @');
  assert.equal(withoutPassword('postgres://team@db/leases?sslmode=require'), 'postgres://team@db/leases?sslmode=require');
});

test('a list of servers connects to the primary unless the URL or PGTARGETSESSIONATTRS says otherwise', () => {
  assert.equal(connectionSettings('postgres://team@db-a,db-b/leases', {}).targetSessionAttrs, 'primary');
  assert.equal(connectionSettings('postgres://team@db-a/leases', {}).targetSessionAttrs, undefined);
  assert.equal(connectionSettings('postgres://team@db-a,db-b/leases?target_session_attrs=any', {}).targetSessionAttrs, undefined);
  assert.equal(connectionSettings('postgres://team@db-a,db-b/leases', { PGTARGETSESSIONATTRS: 'read-write' }).targetSessionAttrs, undefined);
});

test('the config takes a list of servers as its store, and refuses one with a password', () => {
  assert.equal(configSchema.safeParse({ store: 'postgres://agent@db-a:5432,db-b:5432/agent_lease' }).success, true);
  const refused = configSchema.safeParse({ store: 'postgres://agent:secret@db-a,db-b/agent_lease' });
  assert.equal(refused.success, false);
  assert.match(refused.error?.issues[0]?.message ?? '', /a password does not belong in \.agent-lease\.json/);
});
