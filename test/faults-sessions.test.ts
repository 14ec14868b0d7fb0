// Sessions and repositories in unusual states, through the compiled hooks, the commit guard and
// the command line: an agent killed without SessionEnd, its pid reused by another process, two
// sessions in one worktree, a session started in a subdirectory, a repository with no commits, a
// bare repository with worktrees, a worktree removed while its session holds leases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installGuard } from '../lib/guard/install';
import { runCli, type CliResult } from './support/cli';
import { assertNoCrash, makeFaultRepo, type FaultRepo } from './support/faults';
import { fixture, runHook, startHookAgent, type HookAgent, type HookRun } from './support/hooks';

const A = 'session-a';
const B = 'session-b';

function cli(repo: FaultRepo, args: string[], cwd = repo.root): CliResult {
  return runCli(args, { cwd, env: repo.hookEnv });
}

/** Runs `event` for `session` in `cwd` through `agent`, or as this test process when there is none. */
function hook(
  repo: FaultRepo,
  event: string,
  sample: string,
  session: string,
  cwd: string,
  agent?: HookAgent,
  overrides: Record<string, unknown> = {},
): Promise<HookRun> | HookRun {
  const input = fixture(sample, repo.root, session, { cwd, ...overrides });
  return agent === undefined ? runHook(event, input, { env: repo.hookEnv, cwd }) : agent.run(event, input);
}

function editInput(repo: FaultRepo, session: string, file: string, cwd = repo.root): Record<string, unknown> {
  return fixture('pre-tool-use.write', repo.root, session, { cwd, tool_input: { file_path: file.startsWith('/') ? file : join(cwd, file), content: 'x\n' } });
}

function holders(repo: FaultRepo, path: string, cwd = repo.root): string[] {
  const result = runCli(['who', path, '--json'], { cwd, env: repo.hookEnv });
  assert.equal(result.status, 0, result.stderr);
  return (JSON.parse(result.stdout) as Array<{ holders: Array<{ sessionId: string }> }>)[0]!.holders.map((holder) => holder.sessionId);
}

function isDenied(run: HookRun): boolean {
  return run.json?.hookSpecificOutput?.permissionDecision === 'deny';
}

test('an agent killed with SIGKILL, so never sending SessionEnd: its leases are taken over at once by the next session that needs them, and that is logged', async (t) => {
  const repo = makeFaultRepo(t);
  const agent = startHookAgent(repo.hookEnv);
  t.after(() => agent.kill());
  assert.equal((await hook(repo, 'session-start', 'session-start.startup', A, repo.root, agent)).status, 0);
  assert.equal((await agent.run('pre-tool-use', editInput(repo, A, 'src/held.ts'))).stdout, '');
  assert.equal(isDenied(repo.edit(B, 'src/held.ts')), true, 'held while the agent lives');

  await agent.kill();
  const taken = repo.edit(B, 'src/held.ts');
  assert.deepEqual([taken.status, taken.stdout, taken.stderr], [0, '', ''], 'granted at once, silently');
  assert.deepEqual(holders(repo, 'src/held.ts'), [B]);
  const [takeover] = JSON.parse(cli(repo, ['log', '--kind', 'takeover', '--json']).stdout) as Array<{
    sessionId: string;
    actor: string;
    detail: { reason: string };
  }>;
  assert.deepEqual([takeover!.sessionId, takeover!.actor, takeover!.detail.reason], [A, B, 'holder-dead']);
  const status = JSON.parse(cli(repo, ['status', '--json', '--all']).stdout) as { sessions: Array<{ id: string; alive: boolean; endedAt: string | null }> };
  assert.deepEqual(
    status.sessions.find((session) => session.id === A),
    { ...status.sessions.find((session) => session.id === A), alive: false, endedAt: null },
  );
});

/** Whether this process may choose the next pid the kernel hands out (root, with CAP_SYS_ADMIN). */
function canSteerPids(): boolean {
  try {
    accessSync('/proc/sys/kernel/ns_last_pid', constants.W_OK);
    writeFileSync('/proc/sys/kernel/ns_last_pid', readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
    return true;
  } catch {
    return false;
  }
}

/** Starts a process that gets `pid`, by having the kernel hand it out next; null if another process got there first every time. */
async function startWithPid(pid: number): Promise<ChildProcess | null> {
  for (let attempt = 0; attempt < 100; attempt++) {
    writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
    if (child.pid === pid) return child;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
  }
  return null;
}

test("a dead agent's pid, reused by an unrelated process running the same program, is not taken for the agent", async (t) => {
  if (!canSteerPids())
    return t.skip('reusing a pid on purpose needs root (/proc/sys/kernel/ns_last_pid); test/leases.test.ts covers a reused pid with a forged start time');
  const repo = makeFaultRepo(t);
  const agent = startHookAgent(repo.hookEnv);
  assert.equal((await agent.run('pre-tool-use', editInput(repo, A, 'src/held.ts'))).stdout, '');
  const pid = agent.pid;
  await agent.kill();
  const impostor = await startWithPid(pid);
  if (impostor === null) return t.skip(`other processes kept taking pid ${pid}`);
  t.after(() => impostor.kill('SIGKILL'));

  const status = JSON.parse(cli(repo, ['status', '--json']).stdout) as { sessions: Array<{ id: string; pid: number; alive: boolean }> };
  assert.deepEqual(
    status.sessions.map(({ id, pid: sessionPid, alive }) => ({ id, pid: sessionPid, alive })),
    [{ id: A, pid, alive: false }],
    'the same pid, a node process again, but not the agent',
  );
  const taken = repo.edit(B, 'src/held.ts');
  assert.deepEqual([taken.status, taken.stdout], [0, '']);
  assert.deepEqual(holders(repo, 'src/held.ts'), [B]);
});

test('two sessions in one worktree: each holds its own files, Stop releases only its own, and a commit by neither in particular is checked against both', (t) => {
  const repo = makeFaultRepo(t);
  for (const session of [A, B]) assert.equal(runHook('session-start', fixture('session-start.startup', repo.root, session), { env: repo.hookEnv }).status, 0);
  assert.equal(repo.edit(A, 'src/a.ts').stdout, '');
  assert.equal(repo.edit(B, 'src/b.ts').stdout, '');
  assert.equal(isDenied(repo.edit(A, 'src/b.ts')), true);
  assert.equal(isDenied(repo.edit(B, 'src/a.ts')), true);
  repo.write('src/a.ts');
  repo.write('src/b.ts');

  repo.git(['add', 'src/a.ts']);
  const byNobody = repo.commit(['-m', 'a']);
  assert.equal(byNobody.status, 1, 'two sessions here: the committer is a person, whom every lease binds');
  assert.match(byNobody.stderr, /src\/a\.ts\n {4}session-a .*holds /);
  const byA = repo.commit(['-q', '-m', 'a'], { env: { AGENT_LEASE_SESSION: A } });
  assert.equal(byA.status, 0, byA.stderr);

  for (const session of [A, B]) assert.equal(runHook('stop', fixture('stop', repo.root, session), { env: repo.hookEnv }).stdout, '');
  assert.deepEqual(holders(repo, 'src/a.ts'), [], "A's committed file is released");
  assert.deepEqual(holders(repo, 'src/b.ts'), [B], "B's pending file is B's still");
});

test('a session started in a subdirectory leases repository-relative paths; a relative file path is taken from its cwd', (t) => {
  const repo = makeFaultRepo(t);
  const deep = join(repo.root, 'src', 'deep');
  mkdirSync(deep, { recursive: true });
  assert.equal(runHook('session-start', fixture('session-start.startup', repo.root, A, { cwd: deep }), { env: repo.hookEnv, cwd: deep }).status, 0);
  assert.equal(repo.edit(A, 'x.ts', { cwd: deep }).stdout, '');
  assert.equal(
    runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A, { cwd: deep, tool_input: { file_path: 'y.ts', content: '' } }), {
      env: repo.hookEnv,
      cwd: deep,
    }).stdout,
    '',
  );
  assert.equal(repo.edit(A, join(repo.root, 'README.md'), { cwd: deep }).stdout, '');
  repo.write('src/changed-by-bash.ts');
  assert.equal(runHook('post-tool-use', fixture('post-tool-use.bash', repo.root, A, { cwd: deep }), { env: repo.hookEnv, cwd: deep }).status, 0);
  const status = JSON.parse(cli(repo, ['status', '--json'], deep).stdout) as { sessions: Array<{ worktree: string }>; leases: Array<{ pattern: string }> };
  assert.deepEqual(status.leases.map((lease) => lease.pattern).sort(), ['README.md', 'src/changed-by-bash.ts', 'src/deep/x.ts', 'src/deep/y.ts']);
  assert.equal(status.sessions[0]!.worktree, repo.root, 'the session belongs to the worktree, not the subdirectory');
  assert.equal(isDenied(repo.edit(B, 'src/deep/x.ts')), true);
});

test('a repository with no commits yet: every hook works, and the guard checks the first commit', (t) => {
  const repo = makeFaultRepo(t, { commit: false });
  assert.equal(runHook('session-start', fixture('session-start.startup', repo.root, A), { env: repo.hookEnv }).status, 0);
  assert.equal(repo.edit(A, 'src/held.ts').stdout, '');
  assert.equal(runHook('post-tool-use', fixture('post-tool-use.bash', repo.root, A), { env: repo.hookEnv }).status, 0);
  assert.equal(runHook('stop', fixture('stop', repo.root, A), { env: repo.hookEnv }).stdout, '');
  assert.deepEqual(holders(repo, 'src/held.ts'), [A], 'an untracked file is a pending change: kept at Stop');
  assert.equal(isDenied(repo.edit(B, 'src/held.ts')), true);
  repo.git(['add', 'src/held.ts']);
  const refused = repo.commit(['-m', 'first'], { env: { AGENT_LEASE_SESSION: B } });
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /src\/held\.ts\n {4}session-a .*holds /);
  assert.equal(repo.commit(['-q', '-m', 'first'], { env: { AGENT_LEASE_SESSION: A } }).status, 0);
});

test('a bare repository with worktrees: one store in the bare directory serves every worktree; hooks, guard and init work in each', async (t) => {
  const repo = makeFaultRepo(t);
  const bare = join(repo.base, 'bare.git');
  repo.git(['clone', '-q', '--bare', repo.root, bare], repo.base);
  const one = join(repo.base, 'one');
  const two = join(repo.base, 'two');
  repo.git(['worktree', 'add', '-q', one, 'main'], bare);
  repo.git(['worktree', 'add', '-q', '-b', 'feature', two], bare);
  for (const worktree of [one, two]) repo.installBinary(worktree);
  installGuard(one);

  assert.equal(runHook('session-start', fixture('session-start.startup', repo.root, A, { cwd: one }), { env: repo.hookEnv, cwd: one }).status, 0);
  assert.equal(repo.edit(A, 'src/held.ts', { cwd: one }).stdout, '');
  const denied = repo.edit(B, 'src/held.ts', { cwd: two });
  assert.equal(isDenied(denied), true);
  assert.match(denied.json?.hookSpecificOutput?.permissionDecisionReason ?? '', new RegExp(`session-a \\(worktree ${one} on main\\) holds src/held\\.ts`));
  assert.deepEqual(holders(repo, 'src/held.ts', two), [A]);
  assert.ok(readFileSync(join(bare, 'agent-lease', 'state.db')).length > 0, 'the store is in the bare directory');

  repo.write('src/held.ts', 'feature\n', two);
  repo.git(['add', 'src/held.ts'], two);
  const refused = repo.commit(['-m', 'held'], { cwd: two, env: { AGENT_LEASE_SESSION: B } });
  assert.equal(refused.status, 1, refused.stderr);
  assert.match(refused.stderr, /src\/held\.ts\n {4}session-a .*holds /);

  const init = cli(repo, ['init'], two);
  assert.equal(init.status, 0, init.stderr);
  assert.match(readFileSync(join(bare, 'info', 'exclude'), 'utf8'), /^\/\.agent-locks\/$/m);
});

test("a worktree removed while its session holds leases: that session's hooks say so in one line, the leases on changes there end when next met, and the rest works", async (t) => {
  const repo = makeFaultRepo(t);
  const linked = repo.addWorktree('wt-a');
  const gone = repo.addWorktree('wt-gone');
  const agent = startHookAgent(repo.hookEnv);
  t.after(() => agent.kill());
  assert.equal((await hook(repo, 'session-start', 'session-start.startup', A, linked, agent)).status, 0);
  assert.equal((await agent.run('pre-tool-use', editInput(repo, A, 'src/held.ts', linked))).stdout, '');

  repo.git(['worktree', 'remove', '--force', linked]);
  rmSync(gone, { recursive: true, force: true });
  // The agent still runs, but the change its lease protected went with the worktree.
  assert.equal(repo.edit(B, 'src/held.ts').stdout, '', 'the lease on a change in a removed worktree no longer binds');
  for (const [event, sample] of [
    ['stop', 'stop'],
    ['session-end', 'session-end'],
  ]) {
    const run = await hook(repo, event!, sample!, A, linked, agent);
    assertNoCrash(run, event!);
    assert.equal(run.status, 1, 'a non-blocking hook error, shown to the user');
    assert.match(run.stderr, new RegExp(`^agent-lease hook ${event}: cannot use the input's cwd ${linked} \\(ENOENT: .*\\); nothing was leased\\n$`));
  }
  for (const args of [['claim', 'src/free.ts', '--as', 'carol'], ['status'], ['gc']]) {
    const result = cli(repo, args);
    assertNoCrash(result, args[0]!);
    assert.equal(result.status, 0, `${args[0]}: ${result.stderr}`);
  }
  const doctor = cli(repo, ['doctor', '--json']);
  assertNoCrash(doctor, 'doctor');
  assert.ok(JSON.parse(doctor.stdout).checks.length > 0);
  repo.stage('src/free.ts');
  assert.equal(repo.commit(['-q', '-m', 'free'], { env: { AGENT_LEASE_SESSION: 'carol' } }).status, 0);

  const log = cli(repo, ['log', '--json']);
  assert.ok(
    (JSON.parse(log.stdout) as Array<{ kind: string; sessionId: string; detail: { reason?: string } | null }>).some(
      (event) => event.kind === 'takeover' && event.sessionId === A && event.detail?.reason === 'worktree-removed',
    ),
    log.stdout,
  );
});
