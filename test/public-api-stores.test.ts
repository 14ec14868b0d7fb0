// The public API's openStore opens the store the hooks use, on either engine, through the built
// package (`require` of the package directory, as an installed dependency is): chosen by
// AGENT_LEASE_STORE, AGENT_LEASE_DB or `store` in .agent-lease.json, or named by `path` or `url`.
// A program on SQLite never loads the PostgreSQL client. Each use runs in a process of its own, in
// the repository, with the environment a user's program would have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { makeCliRepo, type CliRepo } from './support/cli';
import { NO_POSTGRES } from './support/postgres';
import { teamRepo } from './support/team-repo';

const PACKAGE = resolve(__dirname, '..');

interface Opened {
  describe: string;
  holders: string[];
  postgresLoaded: boolean;
}

/** `openStore(options)` in a program of its own run in the repository: the store it opened, who holds src/a.ts there, and whether the PostgreSQL client was loaded. */
function openFromProgram(repo: CliRepo, options: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): Partial<Opened> & { error?: string } {
  const program = `
    const api = require(${JSON.stringify(PACKAGE)});
    (async () => {
      let store;
      try {
        store = api.openStore(${JSON.stringify(options)});
      } catch (error) {
        return console.log(JSON.stringify({ error: error.message }));
      }
      const holders = (await api.who(store, 'src/a.ts')).map((lease) => lease.holder.id);
      const describe = store.describe();
      await store.close();
      const postgresLoaded = Object.keys(require.cache).some((file) => file.includes('/node_modules/postgres/'));
      console.log(JSON.stringify({ describe, holders, postgresLoaded }));
    })();`;
  const result = spawnSync(process.execPath, ['-e', program], { cwd: repo.root, env: { ...repo.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

function claim(repo: CliRepo, who: string, env: NodeJS.ProcessEnv = {}): void {
  const claimed = repo.cli(['claim', 'src/a.ts', '--as', who], { env });
  assert.equal(claimed.status, 0, claimed.stderr);
}

test("openStore on SQLite: the hooks' own file by default, AGENT_LEASE_DB's, or the path given; the PostgreSQL client never loaded", (t) => {
  const repo = makeCliRepo();
  t.after(() => repo.cleanup());
  claim(repo, 'alice');
  const own = join(repo.root, '.git', 'agent-lease', 'state.db');
  assert.deepEqual(openFromProgram(repo, {}), { describe: `sqlite ${own}`, holders: ['alice'], postgresLoaded: false });

  const other = join(repo.base, 'other.db');
  claim(repo, 'bob', { AGENT_LEASE_DB: other });
  assert.deepEqual(openFromProgram(repo, {}, { AGENT_LEASE_DB: other }), { describe: `sqlite ${other}`, holders: ['bob'], postgresLoaded: false });
  assert.deepEqual(
    openFromProgram(repo, { path: other }),
    { describe: `sqlite ${other}`, holders: ['bob'], postgresLoaded: false },
    'as openStore({ path }) always did',
  );
  assert.deepEqual(
    openFromProgram(repo, { path: own }, { AGENT_LEASE_STORE: 'postgres://agent@127.0.0.1:1/unused' }).holders,
    ['alice'],
    'a path wins over team mode',
  );
  assert.deepEqual(openFromProgram(repo, { path: own, url: 'postgres://agent@127.0.0.1:1/x' }), {
    error: 'openStore takes a SQLite path or a PostgreSQL url, not both',
  });
});

test('openStore in team mode: the PostgreSQL store the hooks use, from AGENT_LEASE_STORE or .agent-lease.json, or the url given', {
  skip: NO_POSTGRES,
}, async (t) => {
  const { repo, url, team, repository: id } = await teamRepo(t);
  claim(repo, 'carol', team);
  claim(repo, 'dave');
  const server = /^postgres:\/\/agent@(.*)$/.exec(url)![1]!;
  const onServer = { describe: `postgres ${server}`, holders: ['carol'], postgresLoaded: true };

  assert.deepEqual(openFromProgram(repo, {}, team), onServer, 'AGENT_LEASE_STORE');
  assert.deepEqual(openFromProgram(repo, { url }), onServer, 'the url given, the repository known from its remote');
  assert.deepEqual(openFromProgram(repo, { url, repository: id }), onServer, 'the url and repository given');
  assert.deepEqual(openFromProgram(repo, { url, repository: 'another/repository' }).holders, [], "another repository's leases are its own");
  assert.deepEqual(openFromProgram(repo, { repository: id }), { error: 'openStore: repository goes with url' });

  repo.write('.agent-lease.json', JSON.stringify({ store: url }));
  assert.deepEqual(openFromProgram(repo, {}), onServer, '.agent-lease.json');
  assert.deepEqual(openFromProgram(repo, {}, { AGENT_LEASE_STORE: 'sqlite' }).holders, ['dave'], 'AGENT_LEASE_STORE=sqlite keeps this clone on its file');
});
