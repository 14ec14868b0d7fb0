// Two clones of one repository sharing one store, as team mode has them: a bare remote, two
// `git clone`s, a worktree in each, and a session in each clone on a host of its own
// (AGENT_LEASE_TEST_HOST), all through the compiled hooks, the CLI and the commit guard.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installGuard } from '../lib/guard/install';
import { runCli, type CliResult } from './support/cli';
import { isolateGitInThisProcess, makeRepo } from './support/git-repo';
import { installLauncher } from './support/guard';
import { fixture, hookEnv, startHookAgent, type HookAgent, type HookRun } from './support/hooks';
import { denial, lines } from './support/branch-world';
import { NO_POSTGRES, sharedPostgres } from './support/postgres';

interface Clone {
  /** The clone's main worktree. */
  root: string;
  /** A linked worktree of the clone, where its session works. */
  worktree: string;
  host: string;
  env: NodeJS.ProcessEnv;
  git(args: string[], cwd?: string): string;
  cli(args: string[], cwd?: string): CliResult;
  /** A session of an agent process on this clone's host. */
  agent(session: string): Session;
}

interface Session {
  start(): Promise<HookRun>;
  edit(path: string): Promise<HookRun>;
  stop(): Promise<HookRun>;
}

/** A bare remote with src/shared.ts (and `config` as .agent-lease.json), and two clones of it, each with a worktree and its own host. */
function twoClones(t: TestContext, store: TeamStore): [Clone, Clone] {
  const repo = makeRepo({ commit: false });
  t.after(() => repo.cleanup());
  isolateGitInThisProcess(repo.base);
  repo.write('src/shared.ts', lines('shared', 20));
  repo.write('.gitignore', 'node_modules\n');
  if (store.config !== undefined) repo.write('.agent-lease.json', JSON.stringify(store.config));
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'base']);
  const remote = join(repo.base, 'origin.git');
  repo.git(['clone', '-q', '--bare', repo.root, remote], repo.base);
  const clone = (name: string, host: string): Clone => {
    const root = join(repo.base, name);
    repo.git(['clone', '-q', remote, root], repo.base);
    const worktree = join(repo.base, `${name}-work`);
    repo.git(['worktree', 'add', '-q', '-b', `${name}-branch`, worktree], root);
    installLauncher(root);
    installGuard(root);
    const env = { ...hookEnv(repo.env), ...store.env, AGENT_LEASE_TEST_HOST: host };
    const git = (args: string[], cwd = worktree): string => repo.git(args, cwd);
    return {
      root,
      worktree,
      host,
      env,
      git,
      cli: (args, cwd = worktree) => runCli(args, { cwd, env }),
      agent(session) {
        const agent: HookAgent = startHookAgent(env);
        t.after(() => agent.kill());
        return {
          start: () => agent.run('session-start', fixture('session-start.startup', worktree, session)),
          edit: (path) =>
            agent.run('pre-tool-use', fixture('pre-tool-use.write', worktree, session, { tool_input: { file_path: join(worktree, path), content: 'x' } })),
          stop: () => agent.run('stop', fixture('stop', worktree, session)),
        };
      },
    };
  };
  return [clone('alice', 'laptop-a'), clone('bob', 'container-b')];
}

/** `git commit` through the guard, as a person in `cwd`. */
function personCommit(clone: Clone, message: string): { status: number | null; stderr: string } {
  clone.git(['add', '-A']);
  const result = spawnSync('git', ['commit', '-q', '-m', message], { cwd: clone.worktree, env: clone.env, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

function holds(clone: Clone): Array<{ pattern: string; branch: string }> {
  const status = clone.cli(['status', '--json']);
  assert.equal(status.status, 0, status.stderr);
  return (JSON.parse(status.stdout) as { leases: Array<{ source: string; pattern: string; branch: string }> }).leases
    .filter((lease) => lease.source === 'branch')
    .map(({ pattern, branch }) => ({ pattern, branch }));
}

/** A store both clones share: named in the committed .agent-lease.json, or in their environment. */
interface TeamStore {
  config?: { store: string };
  env?: NodeJS.ProcessEnv;
}

/** PostgreSQL (team mode, named in .agent-lease.json as a team would), and one SQLite file (clones on one machine). */
const TEAM_STORES: Array<{ name: string; engine: string; skip: string | false; make(base: string): Promise<TeamStore> }> = [
  { name: 'PostgreSQL', engine: 'postgres', skip: NO_POSTGRES, make: async () => ({ config: { store: (await sharedPostgres()).url } }) },
  { name: 'one SQLite file', engine: 'sqlite', skip: false, make: async (base) => ({ env: { AGENT_LEASE_DB: join(base, 'shared-state.db') } }) },
];

/** Two clones sharing the store `kind` makes, in a directory of their own. */
async function clonesOn(t: TestContext, kind: (typeof TEAM_STORES)[number]): Promise<[Clone, Clone]> {
  const base = makeRepo({ commit: false });
  t.after(() => base.cleanup());
  return twoClones(t, await kind.make(base.base));
}

for (const store of TEAM_STORES) {
  test(`${store.name}: an edit in one clone is denied for a lease taken in the other, and the other clone's guard refuses a commit of it`, {
    skip: store.skip,
  }, async (t) => {
    const [alice, bob] = await clonesOn(t, store);
    const a = alice.agent('alice-session');
    const b = bob.agent('bob-session');
    assert.equal((await a.start()).status, 0);
    assert.equal((await b.start()).status, 0);
    assert.equal((await a.edit('src/shared.ts')).stdout, '', 'alice leases it');

    const denied = denial(await b.edit('src/shared.ts'));
    assert.ok(denied !== null, "bob's edit, in the other clone on another host, is denied");
    assert.match(denied, /src\/shared\.ts is leased to another session/);
    assert.match(denied, /alice-session/);

    for (const clone of [alice, bob]) {
      const status = JSON.parse(clone.cli(['status', '--json']).stdout) as { store: { engine: string }; sessions: Array<{ id: string }> };
      assert.equal(status.store.engine, store.engine);
      assert.deepEqual(status.sessions.map((session) => session.id).sort(), ['alice-session', 'bob-session'], 'both clones see both sessions');
    }

    writeFileSync(join(bob.worktree, 'src/shared.ts'), 'changed by hand\n');
    const refused = personCommit(bob, 'edit it anyway');
    assert.notEqual(refused.status, 0, `bob's guard refuses the commit: ${refused.stderr}`);
    assert.match(refused.stderr, /src\/shared\.ts/);
    assert.match(refused.stderr, /alice-session/);
  });

  test(`${store.name}: a branch hold made in one clone stands in the other until the branch is merged, pushed and fetched there`, {
    skip: store.skip,
  }, async (t) => {
    const [alice, bob] = await clonesOn(t, store);
    const a = alice.agent('alice-session');
    await a.start();
    assert.equal((await a.edit('src/shared.ts')).stdout, '');
    writeFileSync(join(alice.worktree, 'src/shared.ts'), lines('alice', 20));
    alice.git(['add', '-A']);
    alice.git(['commit', '-q', '--no-verify', '-m', 'alice changes shared.ts']);
    await a.stop();
    assert.deepEqual(holds(bob), [{ pattern: 'src/shared.ts', branch: 'alice-branch' }], 'the lease passed to her branch');

    const b = bob.agent('bob-session');
    await b.start();
    assert.match(denial(await b.edit('src/shared.ts')) ?? '', /committed change on another branch that is not merged yet/);
    assert.equal(bob.cli(['gc']).status, 0);
    assert.equal(holds(bob).length, 1, "bob's clone lacks the commit: it cannot tell, so the hold stands");

    alice.git(['push', '-q', 'origin', 'alice-branch']);
    bob.git(['fetch', '-q']);
    assert.equal(bob.cli(['gc']).status, 0);
    assert.equal(holds(bob).length, 1, 'fetched but not merged: stands');

    alice.git(['merge', '-q', '--no-ff', '--no-edit', 'alice-branch'], alice.root);
    alice.git(['push', '-q', 'origin', 'main'], alice.root);
    assert.equal(bob.cli(['gc']).status, 0);
    assert.equal(holds(bob).length, 1, 'merged and pushed, not fetched here yet: stands');

    bob.git(['fetch', '-q']);
    assert.equal(bob.cli(['gc']).status, 0);
    assert.deepEqual(holds(bob), [], 'fetched: this clone sees the change integrated and ends the hold');
    assert.equal((await b.edit('src/shared.ts')).stdout, '', 'and bob may edit the file');
  });
}
