// `agent-lease wait`: real CLI processes waiting on leases that real processes hold, release, let
// expire or leave behind by dying; and waiters racing with --claim.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { acquire } from '../lib/core/acquire';
import { listLeases } from '../lib/core/lease-queries';
import { registerSession } from '../lib/core/sessions';
import { BIN, makeCliRepo, type CliRepo, type CliResult } from './support/cli';
import { withRepoStore } from './support/hooks';
import { startAgent } from './support/store';

function repoWithFile(t: TestContext): CliRepo {
  const repo = makeCliRepo();
  t.after(() => repo.cleanup());
  repo.write('src/a.ts', 'export const a = 1;\n');
  // Committed: a lease on a file with a pending change outlives its expiry (it stands while the change does).
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'a']);
  return repo;
}

/** `agent-lease wait …` as a running process; resolves when it exits. */
function waiting(repo: CliRepo, args: string[]): { done: Promise<CliResult>; exited: () => boolean } {
  const child = spawn(process.execPath, [BIN, 'wait', ...args], { cwd: repo.root, env: repo.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (status, signal) => {
      exited = true;
      resolve({ status, stdout, stderr, signal });
    }),
  );
  return { done, exited: () => exited };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('wait returns as soon as the holder releases the file, and not before', async (t) => {
  const repo = repoWithFile(t);
  assert.equal(repo.cli(['claim', 'src/a.ts', '--as', 'bob']).status, 0);
  const alice = waiting(repo, ['src/a.ts', '--as', 'alice', '--timeout', '60s']);
  await sleep(700);
  assert.equal(alice.exited(), false, 'still waiting while bob holds it');
  assert.equal(repo.cli(['release', 'src/a.ts', '--as', 'bob']).status, 0);
  const result = await alice.done;
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^free: src\/a\.ts$/m);
  assert.deepEqual(await withRepoStore(repo, async (store) => await listLeases(store)), [], 'without --claim nothing is leased');
});

test('wait returns when the lease expires', async (t) => {
  const repo = repoWithFile(t);
  assert.equal(repo.cli(['claim', 'src/a.ts', '--as', 'bob', '--ttl', '2s']).status, 0);
  const started = Date.now();
  const result = await waiting(repo, ['src/a.ts', '--as', 'alice', '--timeout', '60s']).done;
  assert.equal(result.status, 0, result.stderr);
  assert.ok(Date.now() - started >= 1000, 'it waited for the expiry');
});

test("wait returns when the holder's agent process dies", async (t) => {
  const repo = repoWithFile(t);
  const agent = startAgent();
  t.after(() => agent.kill());
  await withRepoStore(repo, async (store) => {
    await registerSession(store, { id: 'dying-agent', runtime: 'claude-code', process: agent.identity });
    assert.ok((await acquire(store, 'dying-agent', ['src/a.ts'], { source: 'claim' })).ok);
  });
  const alice = waiting(repo, ['src/a.ts', '--as', 'alice', '--timeout', '60s', '--claim']);
  await sleep(700);
  assert.equal(alice.exited(), false, 'still waiting while the holder lives');
  await agent.kill();
  const result = await alice.done;
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^granted src\/a\.ts \(exclusive/m);
});

test('wait times out with exit 1, naming who still holds what', async (t) => {
  const repo = repoWithFile(t);
  assert.equal(repo.cli(['claim', 'src/a.ts', '--as', 'bob', '--task', 'auth refactor']).status, 0);
  const result = await waiting(repo, ['src/a.ts', '--as', 'alice', '--timeout', '1s']).done;
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^agent-lease wait: still held after 1s:$/m);
  assert.match(result.stderr, /^- bob \(task "auth refactor", .*\) holds src\/a\.ts exclusively \(claim lease, token \d+\)/m);
});

test('wait --claim never grants twice: two waiting processes race for a released file', async (t) => {
  const repo = repoWithFile(t);
  for (let round = 0; round < 3; round++) {
    const holder = `holder-${round}`;
    assert.equal(repo.cli(['claim', 'src/a.ts', '--as', holder]).status, 0);
    const waiters = ['carol', 'dave'].map((name) => ({
      name: `${name}-${round}`,
      run: waiting(repo, ['src/a.ts', '--as', `${name}-${round}`, '--claim', '--timeout', '4s']),
    }));
    await sleep(500);
    assert.equal(repo.cli(['release', 'src/a.ts', '--as', holder]).status, 0);
    const results = await Promise.all(waiters.map(async ({ name, run }) => ({ name, result: await run.done })));
    const winners = results.filter(({ result }) => result.status === 0);
    assert.equal(winners.length, 1, JSON.stringify(results));
    const loser = results.find(({ result }) => result.status !== 0)!;
    assert.equal(loser.result.status, 1);
    assert.match(loser.result.stderr, new RegExp(`- ${winners[0]!.name} \\(worktree .*\\) holds src/a\\.ts exclusively`));
    const live = await withRepoStore(repo, async (store) => await listLeases(store));
    assert.deepEqual(
      live.map((lease) => lease.holder.name),
      [winners[0]!.name],
    );
    assert.equal(repo.cli(['release', 'src/a.ts', '--as', winners[0]!.name]).status, 0);
  }
});

test('wait is interruptible: SIGINT ends it at once with one line', async (t) => {
  const repo = repoWithFile(t);
  assert.equal(repo.cli(['claim', 'src/a.ts', '--as', 'bob']).status, 0);
  const child = spawn(process.execPath, [BIN, 'wait', 'src/a.ts', '--as', 'alice', '--timeout', '60s'], {
    cwd: repo.root,
    env: repo.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const waiting = new Promise<void>((resolve) =>
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/holds src\/a\.ts .*\n/.test(stderr)) resolve();
    }),
  );
  await waiting;
  assert.match(stderr, /^agent-lease wait: waiting \(Ctrl-C stops\), held now by:\n- bob .*holds src\/a\.ts exclusively/);
  child.kill('SIGINT');
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  assert.notEqual(status, 0);
  assert.equal(stderr.trim().split('\n').at(-1), 'agent-lease wait: the wait was interrupted');
});
