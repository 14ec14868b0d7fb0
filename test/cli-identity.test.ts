// Identities people can type and see, and acting for a session one is not: the compiled CLI and
// hooks as real processes, in real repositories.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCliRepo, type CliRepo } from './support/cli';
import { fixture, hookEnv, runHook, startHookAgent, withRepoStore } from './support/hooks';
import { listLeases } from '../lib/core/lease-queries';

const A = '9d3c1f7e-1111-4a2b-9c1d-0a1b2c3d4e5f';
const A2 = '9d3c2222-3333-4a2b-9c1d-0a1b2c3d4e5f';

function cliRepo(t: TestContext): CliRepo {
  const repo = makeCliRepo();
  t.after(() => repo.cleanup());
  return repo;
}

test('any unique prefix of a session id is accepted by log, renew, release and check, and text shows the short form', (t) => {
  const repo = cliRepo(t);
  const env = hookEnv(repo.env);
  // Both sessions' agent process is this test process, which also runs the commands below.
  runHook('session-start', fixture('session-start.startup', repo.root, A), { env });
  runHook('session-start', fixture('session-start.startup', repo.root, A2), { env });
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env }).stdout, '');

  const log = repo.cli(['log', '--session', '9d3c1f7e']);
  assert.equal(log.status, 0, log.stderr);
  assert.match(log.stdout, /grant\s+9d3c1f7e\s+src\/auth\/login\.ts/);
  assert.doesNotMatch(log.stdout, new RegExp(A), 'no full ids in text');
  assert.ok(
    repo.json(['log', '--session', '9d3c1f', '--json']).every((event: { sessionId: string }) => event.sessionId === A),
    '--json keeps full ids',
  );
  const ambiguous = repo.cli(['log', '--session', '9d3c']);
  assert.equal(ambiguous.status, 2);
  assert.match(ambiguous.stderr, /"9d3c" names more than one session \(9d3c1f7e-.*, 9d3c2222-.*\); give more of the id/);

  assert.equal(repo.cli(['renew', '--session', '9d3c1f', 'src/auth/login.ts']).status, 0);
  assert.equal(repo.json(['check', 'src/auth/login.ts', '--session', '9d3c1f7e', '--json']).ok, true, 'its own lease');
  const released = repo.cli(['release', '--session', '9d3c1f7e', '--all']);
  assert.equal(released.status, 0, released.stderr);
  assert.match(released.stdout, /^released src\/auth\/login\.ts \(token 1\)$/m);
});

test('`end` ends a person’s session and releases its leases; gc ends people’s sessions that hold nothing and sit idle', (t) => {
  const repo = cliRepo(t);
  assert.equal(repo.cli(['claim', 'docs/**', '--as', 'dana']).status, 0);
  const ended = repo.cli(['end', 'dan']);
  assert.equal(ended.status, 0, ended.stderr);
  assert.equal(ended.stdout, 'ended dana (released 1 lease(s))\n');
  assert.deepEqual(repo.json(['status', '--json']).leases, []);
  assert.equal(repo.cli(['end', 'dana']).status, 1, 'already ended');

  // erin's claim is refused: her session exists, holds nothing, and nothing would ever end it.
  assert.equal(repo.cli(['claim', 'src/**', '--as', 'frank']).status, 0);
  assert.equal(repo.cli(['claim', 'src/a.ts', '--as', 'erin']).status, 1);
  const gc = repo.json(['gc', '--retention', '1ms', '--json']);
  assert.deepEqual(gc.endedIdle, ['erin'], 'frank holds a lease and stays');
  assert.deepEqual(
    repo.json(['status', '--json']).sessions.map((session: { id: string }) => session.id),
    ['frank'],
  );
});

test('acting for a live agent’s session from outside its process needs --force and is logged with who acted; a dropped file cannot at all', async (t) => {
  const repo = cliRepo(t);
  const env = hookEnv(repo.env);
  const agent = startHookAgent(env);
  t.after(() => agent.kill());
  await agent.run('session-start', fixture('session-start.startup', repo.root, A));
  assert.equal((await agent.run('pre-tool-use', fixture('pre-tool-use.write', repo.root, A))).stdout, '');

  for (const args of [
    ['release', '--all', '--session', '9d3c1f7e'],
    ['renew', '--session', A],
    ['claim', 'src/other.ts', '--session', A],
    ['end', '9d3c1f7e'],
  ]) {
    const refused = repo.cli(args);
    assert.equal(refused.status, 2, args.join(' '));
    assert.match(refused.stderr, /session 9d3c1f7e belongs to an agent process that is not running this command; acting for it needs --force/);
  }
  const forced = repo.cli(['renew', '--session', '9d3c1f7e', '--force']);
  assert.equal(forced.status, 0, forced.stderr);
  const [actAs, ...more] = repo.json(['log', '--kind', 'act-as', '--json']);
  assert.equal(more.length, 0);
  assert.deepEqual([actAs.sessionId, actAs.actor, actAs.detail], [A, 'tester', { command: 'renew' }]);

  // A file dropped in .agent-locks/ naming A is refused; A's exclusive lease stays as it was.
  const before = await withRepoStore(repo, async (store) => await listLeases(store, { sessionId: A }));
  mkdirSync(join(repo.root, '.agent-locks'), { recursive: true });
  writeFileSync(join(repo.root, '.agent-locks', 'takeover.json'), JSON.stringify({ session: A, files: ['src/auth/login.ts'], mode: 'shared', ttl: '1m' }));
  repo.cli(['gc']);
  assert.ok(existsSync(join(repo.root, '.agent-locks', 'takeover.json.refused')));
  const after = await withRepoStore(repo, async (store) => await listLeases(store, { sessionId: A }));
  assert.deepEqual(
    after.map((lease) => [lease.token, lease.mode, lease.expiresAt.getTime()]),
    before.map((lease) => [lease.token, lease.mode, lease.expiresAt.getTime()]),
  );
  assert.equal(repo.json(['log', '--session', A, '--kind', 'renew', '--json']).length, 1, 'only the forced renewal');
});
