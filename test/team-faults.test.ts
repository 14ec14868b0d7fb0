// Team mode's PostgreSQL server stopped (`pg_ctl stop -m immediate`) or frozen (SIGSTOP: a host
// that hangs, a network that drops every packet) while the compiled hooks (JSON on stdin, as
// Claude Code sends it) and the commit guard (a real `git commit`) use it. The fault comes while a
// hook waits for the repository's lock, which another connection holds: a moment the test
// controls, not a sleep. Every hook and guard answers inside its Claude Code timeout with the
// configured behaviour in one line; after the server is back, every committed lease is there and a
// fresh edit is decided as usual.
import { before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sql } from 'postgres';
import { HOOK_ENTRIES } from '../lib/claude/hook-commands';
import { repositoryPlace } from '../lib/postgres/server';
import { runCli, type CliResult } from './support/cli';
import { assertDenied, assertNoCrash, assertWarned, makeFaultRepo, type FaultRepo } from './support/faults';
import { fixture, HOOK_SAMPLES, runHookAsync, type HookRun } from './support/hooks';
import { NO_POSTGRES, sharedPostgres, type PostgresServer } from './support/postgres';
import { silentServer } from './support/silent-server';
import { ownOrigin } from './support/team-repo';

/** Claude Code kills a hook that outlives the timeout its settings give it: that is the bound. */
const HOOK_TIMEOUT_MS = Object.fromEntries(HOOK_ENTRIES.map((entry) => [entry.hook, entry.timeout * 1000]));
/** A commit waits for the guard: it must answer as soon as a hook would. */
const GUARD_BOUND_MS = HOOK_TIMEOUT_MS['pre-tool-use']!;

let server: PostgresServer;
before(async () => {
  if (NO_POSTGRES === false) server = await sharedPostgres();
});

interface TeamRepo {
  repo: FaultRepo;
  /** A linked worktree whose .agent-lease.json denies edits and only warns at commits when the store fails. */
  strict: string;
  edit(session: string, file: string, cwd?: string): Promise<HookRun>;
  sessionEnd(session: string): Promise<HookRun>;
  /** `event`'s hook with the sample input `sample`, in the main worktree. */
  hook(event: string, sample: string, session: string): Promise<HookRun>;
  /** Stages a change to `file` in `cwd` and commits it through the guard. */
  commit(cwd: string, file: string): Promise<CliResult>;
  /** `status --json`'s leases: holder and pattern. */
  leases(): string[];
  /** Takes the repository's lock on another connection and keeps it until `release`. */
  holdLock(): Promise<{ untilWaitedFor(): Promise<void>; release(): Promise<void> }>;
}

async function teamRepo(t: TestContext, url = server.url): Promise<TeamRepo> {
  const repo = makeFaultRepo(t);
  const id = ownOrigin(repo);
  const team = { AGENT_LEASE_STORE: url };
  const env = { ...repo.hookEnv, ...team };
  const strict = repo.addWorktree('strict');
  writeFileSync(join(strict, '.agent-lease.json'), JSON.stringify({ hooks: { onStoreError: 'deny' }, guard: { onStoreError: 'warn' } }));
  const hook = (event: string, input: Record<string, unknown>, cwd: string): Promise<HookRun> =>
    runHookAsync(event, input, { env, cwd, timeout: HOOK_TIMEOUT_MS[event] });
  return {
    repo,
    strict,
    edit: (session, file, cwd = repo.root) =>
      hook('pre-tool-use', fixture('pre-tool-use.write', cwd, session, { cwd, tool_input: { file_path: join(cwd, file), content: 'x\n' } }), cwd),
    sessionEnd: (session) => hook('session-end', fixture('session-end', repo.root, session), repo.root),
    hook: (event, sample, session) => hook(event, fixture(sample, repo.root, session), repo.root),
    commit(cwd, file) {
      repo.write(file, `${randomUUID()}\n`, cwd);
      repo.git(['add', '--', file], cwd);
      return new Promise((resolve) => {
        execFile(
          'git',
          ['commit', '-q', '-m', `change ${file}`],
          { cwd, env: { ...repo.env, ...team }, encoding: 'utf8', timeout: GUARD_BOUND_MS, killSignal: 'SIGKILL' },
          (error, stdout, stderr) =>
            resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr, signal: error?.signal ?? null }),
        );
      });
    },
    leases() {
      const status = runCli(['status', '--json'], { cwd: repo.root, env: { ...repo.env, ...team } });
      assert.equal(status.status, 0, status.stderr);
      return (JSON.parse(status.stdout) as { leases: Array<{ holder: string; pattern: string }> }).leases
        .map((lease) => `${lease.holder} ${lease.pattern}`)
        .sort();
    },
    async holdLock() {
      const postgres = require('postgres') as typeof import('postgres');
      const sql: Sql = postgres(server.url, { max: 2, onnotice: () => {} });
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const holding = new Promise<void>((resolve) => (locked = resolve));
      const transaction = sql
        .begin(async (tx) => {
          await tx.unsafe(`SELECT pg_advisory_xact_lock(${repositoryPlace(id).lockKey})`);
          locked();
          await released;
        })
        // The server may be gone by the time the lock is let go: its transaction went with it.
        .catch(() => undefined);
      await holding;
      const letGo = async (): Promise<void> => {
        release();
        await transaction;
        await sql.end({ timeout: 1 });
      };
      let ended: Promise<void> | undefined;
      const end = (): Promise<void> => {
        if (ended === undefined) ended = letGo();
        return ended;
      };
      // A test that fails before it lets go must not leave the connection keeping this process alive.
      t.after(end);
      return {
        async untilWaitedFor() {
          for (let i = 0; i < 2000; i++) {
            const [row] = await sql`SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`;
            if (row!.waiting > 0) return;
            await sleep(5);
          }
          assert.fail('no hook waited for the repository lock within 10 s');
        },
        release: end,
      };
    },
  };
}

/** The edit went ahead with a one-line warning naming the server and why (hooks.onStoreError "allow", the default). */
function assertAllowed(run: HookRun, why: RegExp, label: string): void {
  assertWarned(run, /^agent-lease cannot use its store on PostgreSQL 127\.0\.0\.1:\d+\/postgres: /, label);
  const message = run.json!.systemMessage!;
  assert.equal(message.split('\n').length, 1, `${label}: one line: ${message}`);
  assert.match(message, why, label);
  assert.match(message, /the edit was allowed WITHOUT a lease/, label);
}

/** While the store cannot be used: the strict worktree's edit is denied, the main worktree's commit refused and the strict one's warned about. */
async function assertConfiguredWhileDown(team: TeamRepo, why: RegExp): Promise<void> {
  const [denied, refused, warned] = await Promise.all([
    team.edit('bob', 'src/free.ts', team.strict),
    team.commit(team.repo.root, 'src/free.ts'),
    team.commit(team.strict, 'src/strict.ts'),
  ]);
  assertDenied(denied, /^agent-lease cannot use its store on PostgreSQL .*Edits are denied until the store works again/, 'hooks.onStoreError "deny"');
  assert.match(denied.json?.hookSpecificOutput?.permissionDecisionReason ?? '', why);
  assertNoCrash(refused, 'the guard');
  assert.equal(refused.status, 1, `git refuses the commit its guard refused: ${refused.stderr}`);
  assert.match(refused.stderr, /^agent-lease guard: commit refused: cannot read the agent-lease store on PostgreSQL 127\.0\.0\.1:\d+\/postgres: /);
  assert.match(refused.stderr.split('\n')[0]!, why);
  assertNoCrash(warned, 'the guard, guard.onStoreError "warn"');
  assert.equal(warned.status, 0, `the commit goes through: ${warned.stderr}`);
  assert.match(
    warned.stderr,
    /^agent-lease guard: warning: cannot read the agent-lease store on PostgreSQL .*; the commit was not checked \(guard\.onStoreError is "warn"\)\n$/,
  );
}

/** Back up: alice's committed lease holds against carol, and bob's edit that failed while it was down is granted now. */
function assertDecidedAsUsual(team: TeamRepo, committed: string[]): Promise<void> {
  assert.deepEqual(team.leases(), committed, 'every committed lease is there, and nothing the failed hooks began');
  return Promise.all([team.edit('carol', 'src/held.ts'), team.edit('bob', 'src/free.ts')]).then(([carol, bob]) => {
    assertDenied(carol, /src\/held\.ts is leased to another session/, "carol's edit of alice's file");
    assert.equal(bob.stdout, '', `bob's edit is granted: ${bob.stdout}`);
    assert.deepEqual(team.leases(), [...committed, 'bob src/free.ts'].sort());
  });
}

async function committedLeases(team: TeamRepo): Promise<string[]> {
  for (const [session, file] of [
    ['alice', 'src/held.ts'],
    ['alice', 'src/other.ts'],
    ['dave', 'src/dave.ts'],
  ] as const) {
    const run = await team.edit(session, file);
    assert.equal(run.stdout, '', `${session} leases ${file}: ${run.stdout}`);
  }
  return ['alice src/held.ts', 'alice src/other.ts', 'dave src/dave.ts'];
}

/**
 * Leases committed through the hooks, then bob's edit waiting for the repository lock another
 * connection holds when `strike` comes; `during` checks what hooks and the guard answer until
 * `recover`. Then every committed lease is there and a fresh edit is decided as usual.
 */
async function faultWhileWaiting(
  t: TestContext,
  strike: () => void,
  recover: () => void,
  during: (team: TeamRepo, waiting: Promise<HookRun>) => Promise<void>,
): Promise<void> {
  const team = await teamRepo(t);
  const committed = await committedLeases(team);
  const lock = await team.holdLock();
  const waiting = team.edit('bob', 'src/free.ts');
  await lock.untilWaitedFor();
  strike();
  try {
    await during(team, waiting);
  } finally {
    recover();
  }
  await lock.release();
  await assertDecidedAsUsual(team, committed);
}

test(
  'the server stopped (pg_ctl stop -m immediate) while a hook waits for the repository lock: the hook and the guard answer in one line as configured, and after the restart every committed lease is there',
  {
    skip: NO_POSTGRES,
  },
  (t) =>
    faultWhileWaiting(
      t,
      () => server.crash(),
      () => server.start(),
      async (team, waiting) => {
        assertAllowed(await waiting, /the connection was lost|refused the connection/, 'the hook that waited for the lock');
        await assertConfiguredWhileDown(team, /refused the connection/);
        const end = await team.sessionEnd('alice');
        assertWarned(end, /^agent-lease cannot use its store on PostgreSQL .*refused the connection/, 'SessionEnd while it is down');
      },
    ),
);

test(
  'the server frozen (SIGSTOP) while a hook waits for the repository lock, and while hooks and the guard start: each answers inside its timeout as configured, and after it goes on everything is as before',
  {
    skip: NO_POSTGRES,
  },
  (t) =>
    faultWhileWaiting(
      t,
      () => server.freeze(),
      () => server.thaw(),
      async (team, waiting) => {
        const [waited, end] = await Promise.all([
          waiting,
          team.sessionEnd('alice'),
          assertConfiguredWhileDown(team, /the server is down, slow or unreachable/),
        ]);
        assertAllowed(waited, /no answer within \d+ ms: the server is down, slow or unreachable/, 'the hook that waited for the lock');
        assertWarned(end, /^agent-lease cannot use its store on PostgreSQL .*the server is down, slow or unreachable/, 'SessionEnd, inside its 5 s');
      },
    ),
);

/** A silent server (a frozen host) with its URL: how many connections it was sent. */
async function blackHole(t: TestContext): Promise<{ url: string; connections(): number }> {
  const { port, connections } = await silentServer(t);
  // A connect budget of one attempt (lib/postgres/connection-settings.ts), so that a count of connections is a count of budgets spent.
  return { url: `postgres://agent@127.0.0.1:${port}/postgres?connect_timeout=1.5&connect_budget=1.5`, connections };
}

test('a server that takes connections and never answers: every hook and the guard spend one connect budget on it, however many transactions they would run, and answer inside their timeouts', async (t) => {
  // One silent server per process, to count each one's connections.
  const runs = await Promise.all([
    ...HOOK_SAMPLES.map(async ([event, sample]) => {
      const hole = await blackHole(t);
      const team = await teamRepo(t, hole.url);
      return { label: event, run: await team.hook(event, sample, 'alice'), connections: hole.connections() };
    }),
    (async () => {
      const hole = await blackHole(t);
      const team = await teamRepo(t, hole.url);
      return { label: 'guard', run: await team.commit(team.repo.root, 'src/held.ts'), connections: hole.connections() };
    })(),
  ]);
  for (const { label, run, connections } of runs) {
    assertNoCrash(run, label);
    assert.ok(connections <= 1, `${label} connected ${connections} times`);
    if (connections === 1) assert.match(run.stdout + run.stderr, /no connection within the connect timeout: the server is down, slow or unreachable/, label);
  }
  const edit = runs.find((run) => run.label === 'pre-tool-use')!;
  assert.equal(edit.connections, 1, 'the edit decision tried the server');
  assertAllowed(edit.run as HookRun, /no connection within the connect timeout/, 'the edit');
  const guard = runs.find((run) => run.label === 'guard')!;
  assert.equal(guard.run.status, 1, 'the guard refuses the commit');
});
