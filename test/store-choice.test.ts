import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../lib/config/load';
import { locateRepo } from '../lib/git/repo';
import { chooseStore, describeStore } from '../lib/stores/choice';
import { makeRepo, type TempRepo } from './support/git-repo';

function withRepo(fn: (repo: TempRepo) => void): void {
  const repo = makeRepo();
  try {
    repo.git(['remote', 'add', 'origin', 'git@example.com:team/app.git']);
    fn(repo);
  } finally {
    repo.cleanup();
  }
}

function choose(repo: TempRepo, env: NodeJS.ProcessEnv, file?: object) {
  if (file !== undefined) writeFileSync(join(repo.root, '.agent-lease.json'), JSON.stringify(file));
  const location = locateRepo(repo.root)!;
  return chooseStore(location, loadConfig(repo.root), env);
}

test('SQLite under the git common dir unless asked otherwise; AGENT_LEASE_DB keeps naming a SQLite file', () => {
  withRepo((repo) => {
    const local = choose(repo, {});
    assert.deepEqual(local, { engine: 'sqlite', path: join(repo.root, '.git', 'agent-lease', 'state.db'), chosenBy: 'default' });
    assert.equal(describeStore(local), `SQLite ${join(repo.root, '.git', 'agent-lease', 'state.db')}`);
    const named = join(repo.base, 'elsewhere.db');
    assert.deepEqual(choose(repo, { AGENT_LEASE_DB: named }), { engine: 'sqlite', path: named, chosenBy: 'AGENT_LEASE_DB' });
  });
});

test('AGENT_LEASE_STORE names a PostgreSQL server: the repository is its remote, and no password is ever shown', () => {
  withRepo((repo) => {
    const choice = choose(repo, { AGENT_LEASE_STORE: 'postgres://agent:s3cret@db.internal:5433/leases' });
    assert.equal(choice.engine, 'postgres');
    assert.ok(choice.engine === 'postgres');
    assert.equal(choice.server, 'db.internal:5433/leases');
    assert.equal(choice.url, 'postgres://agent:s3cret@db.internal:5433/leases', 'the client gets the password from the environment');
    assert.equal(choice.repository.id, 'example.com/team/app');
    const described = describeStore(choice);
    assert.equal(described, 'PostgreSQL db.internal:5433/leases, repository example.com/team/app (team mode, from AGENT_LEASE_STORE)');
    assert.doesNotMatch(described, /s3cret/);
  });
});

test('.agent-lease.json names the server for every clone; the environment overrides it', () => {
  withRepo((repo) => {
    const file = { store: 'postgresql://agent@db.internal/leases', repositoryId: 'acme-app' };
    const team = choose(repo, {}, file);
    assert.ok(team.engine === 'postgres');
    assert.equal(team.chosenBy, '.agent-lease.json');
    assert.deepEqual(team.repository, { id: 'acme-app', from: { config: true } });
    assert.equal(choose(repo, { AGENT_LEASE_STORE: 'sqlite' }, file).engine, 'sqlite', 'one clone working offline');
    assert.equal(choose(repo, { AGENT_LEASE_DB: join(repo.base, 'x.db') }, file).engine, 'sqlite');
    const other = choose(repo, { AGENT_LEASE_STORE: 'postgres://elsewhere/db' }, file);
    assert.ok(other.engine === 'postgres' && other.server === 'elsewhere:5432/db' && other.chosenBy === 'AGENT_LEASE_STORE');
    assert.deepEqual(choose(repo, {}, { store: 'sqlite' }), {
      engine: 'sqlite',
      path: join(repo.root, '.git', 'agent-lease', 'state.db'),
      chosenBy: '.agent-lease.json',
    });
  });
});

test('a password in .agent-lease.json is refused in one line that does not repeat it', () => {
  withRepo((repo) => {
    for (const store of ['postgres://agent:hunter2@db/leases', 'postgres://agent@db/leases?password=hunter2']) {
      assert.throws(
        () => choose(repo, {}, { store }),
        (error: Error) =>
          /\.agent-lease\.json: store: a password does not belong in \.agent-lease\.json .*PGPASSWORD or ~\/\.pgpass/.test(error.message) &&
          !error.message.includes('hunter2') &&
          !error.message.includes('\n'),
        store,
      );
    }
    assert.throws(() => choose(repo, {}, { store: 'mysql://db/leases' }), /store: expected "sqlite" or a PostgreSQL URL/);
    assert.throws(() => choose(repo, {}, { repositoryId: '  ' }), /repositoryId: /);
  });
});

test('team mode that cannot be used says why in one line: a bad URL, no remote to name the repository', () => {
  withRepo((repo) => {
    assert.throws(
      () => choose(repo, { AGENT_LEASE_STORE: 'mysql://root:pw@db/x' }),
      (error: Error) =>
        /^AGENT_LEASE_STORE names no store agent-lease can use: expected "sqlite" or a PostgreSQL URL/.test(error.message) && !error.message.includes('pw'),
    );
    repo.git(['remote', 'remove', 'origin']);
    assert.throws(
      () => choose(repo, { AGENT_LEASE_STORE: 'postgres://db/leases' }),
      /: team mode \(the store db:5432\/leases, from AGENT_LEASE_STORE\) cannot be used: this repository has no remote "origin".*set "repositoryId"/,
    );
  });
});
