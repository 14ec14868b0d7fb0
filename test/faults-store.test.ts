// Store faults as the compiled hooks, the commit guard (through real `git commit`s) and the command
// line meet them: a read-only store, a damaged database, a database deleted while sessions are
// live, a full disk, a store kept locked by a stopped process. Each gives one clear message and the
// configured behaviour (hooks: allow with a warning, or deny; guard: refuse, or warn), and nothing
// hangs or crashes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HOOK_ENTRIES } from '../lib/claude/hook-commands';
import { BIN as CLI_BIN, runCli, type CliResult } from './support/cli';
import {
  assertDenied,
  assertNoCrash,
  assertOneLineError,
  assertWarned,
  makeFaultRepo,
  makeStoreReadOnly,
  UNPRIVILEGED_UID,
  type FaultRepo,
} from './support/faults';
import { fixture, HOOK_SAMPLES, runHook, runHookAsync, startHookAgent, type HookRun } from './support/hooks';
import { scaled } from './support/long';

const A = 'session-a';
const B = 'session-b';
const DENY_AND_WARN = JSON.stringify({ hooks: { onStoreError: 'deny' }, guard: { onStoreError: 'warn' } });

function cli(repo: FaultRepo, args: string[], options: { uid?: number } = {}): CliResult {
  return runCli(args, { cwd: repo.root, env: repo.hookEnv, ...options });
}

/** Every hook but PreToolUse (which decides, and is checked on its own), as session B. */
function otherHooks(repo: FaultRepo): Array<[event: string, input: Record<string, unknown>]> {
  return HOOK_SAMPLES.filter(([event]) => event !== 'pre-tool-use').map(([event, sample]) => [event, fixture(sample, repo.root, B)]);
}

function storeLeases(path: string): Array<{ session_id: string; pattern: string; released_at: number | null }> {
  const db = new Database(path, { readonly: true });
  try {
    assert.equal(db.pragma('quick_check', { simple: true }), 'ok');
    return db.prepare('SELECT session_id, pattern, released_at FROM leases ORDER BY token').all() as Array<{
      session_id: string;
      pattern: string;
      released_at: number | null;
    }>;
  } finally {
    db.close();
  }
}

test('a read-only store: what can be read still is, every write is one clear message, and hooks and guard do as configured', async (t) => {
  const repo = makeFaultRepo(t);
  const as = { uid: UNPRIVILEGED_UID };
  assert.equal(repo.edit(A, 'src/held.ts').stdout, '', 'A holds src/held.ts');
  makeStoreReadOnly(repo);
  const readOnly = /SQLITE_READONLY: attempt to write a readonly database \(this user cannot write to it or to its directory\)/;

  // The hooks leave the WAL files behind, so SQLite can still read the store.
  assertWarned(repo.edit(B, 'src/free.ts', as), new RegExp(`${readOnly.source}; the edit was allowed WITHOUT a lease`), 'PreToolUse');
  for (const [event, input] of otherHooks(repo)) assertWarned(await runHookAsync(event, input, { env: repo.hookEnv, cwd: repo.root, ...as }), readOnly, event);
  repo.stage('src/held.ts');
  const refused = repo.commit(['-m', 'held'], { env: { AGENT_LEASE_SESSION: B }, ...as });
  assert.equal(refused.status, 1, 'the guard still reads the leases');
  assert.match(refused.stderr, /src\/held\.ts\n {4}session-a .*holds /);
  assert.match(cli(repo, ['status'], as).stdout, /src\/held\.ts +exclusive +session-a/);
  assertOneLineError(
    cli(repo, ['claim', 'src/free.ts', '--as', 'carol'], as),
    new RegExp(`^agent-lease claim: the agent-lease store failed: ${readOnly.source}; agent-lease doctor checks it$`),
    'claim',
  );

  repo.write('.agent-lease.json', DENY_AND_WARN);
  assertDenied(repo.edit(B, 'src/free.ts', as), new RegExp(`${readOnly.source}\\. Edits are denied until the store works again`), 'PreToolUse, deny');
});

test('a read-only store closed cleanly (no WAL files): even reads fail, and the guard refuses or warns as configured', (t) => {
  const repo = makeFaultRepo(t);
  assert.equal(cli(repo, ['claim', 'src/held.ts', '--as', 'alice']).status, 0);
  assert.equal(existsSync(`${repo.storePath}-wal`), false, 'the last connection to close removed the WAL');
  makeStoreReadOnly(repo);
  const as = { uid: UNPRIVILEGED_UID };
  const readOnly = /SQLITE_READONLY_DIRECTORY: attempt to write a readonly database \(this user cannot write to it or to its directory\)/;

  assertWarned(repo.edit(B, 'src/free.ts', as), readOnly, 'PreToolUse');
  for (const command of [['status'], ['who', 'src/held.ts'], ['check', 'src/held.ts']]) {
    assertOneLineError(cli(repo, command, as), new RegExp(`^agent-lease ${command[0]}: the agent-lease store failed: ${readOnly.source}`), command[0]!);
  }
  repo.stage('src/free.ts');
  const refused = repo.commit(['-m', 'unchecked'], as);
  assert.equal(refused.status, 1);
  assert.match(
    refused.stderr,
    new RegExp(`^agent-lease guard: commit refused: cannot read the agent-lease store at ${repo.storePath}: ${readOnly.source}\\.$`, 'm'),
  );
  repo.write('.agent-lease.json', DENY_AND_WARN);
  const warned = repo.commit(['-q', '-m', 'warned'], as);
  assert.equal(warned.status, 0, warned.stderr);
  assert.match(warned.stderr, /agent-lease guard: warning: cannot read the agent-lease store .*; the commit was not checked \(guard\.onStoreError is "warn"\)/);
});

/** Stops every use of the store (its WAL merged into the file, as after the last process closed it), then overwrites `length` bytes at `offset`. */
function overwrite(repo: FaultRepo, offset: number, bytes: Buffer): void {
  const db = new Database(repo.storePath);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const fd = openSync(repo.storePath, 'r+');
  writeSync(fd, bytes, 0, bytes.length, offset);
  closeSync(fd);
}

test('a damaged database: every hook, the guard and every command say so in one line; hooks allow or deny, the guard refuses or warns, as configured', (t) => {
  const repo = makeFaultRepo(t);
  repo.edit(A, 'src/held.ts');
  assert.equal(cli(repo, ['claim', 'docs/**', '--as', 'alice']).status, 0);
  const size = statSync(repo.storePath).size;
  overwrite(repo, 4096, Buffer.alloc(size - 4096, 0x5a));
  const damaged = /SQLITE_CORRUPT: database disk image is malformed \(the file is damaged: agent-lease doctor, then move it aside\)/;

  assertWarned(
    repo.edit(B, 'src/free.ts'),
    new RegExp(`cannot use its store ${repo.storePath}: ${damaged.source}; the edit was allowed WITHOUT a lease`),
    'PreToolUse',
  );
  for (const [event, input] of otherHooks(repo)) assertWarned(runHook(event, input, { env: repo.hookEnv, cwd: repo.root }), damaged, event);
  for (const command of [['status'], ['claim', 'x.ts'], ['release', '--all'], ['renew'], ['who', 'x.ts'], ['check', 'x.ts'], ['log'], ['gc']]) {
    assertOneLineError(cli(repo, command), new RegExp(`^agent-lease ${command[0]}: the agent-lease store failed: ${damaged.source}`), command.join(' '));
  }
  const doctor = cli(repo, ['doctor']);
  assert.equal(doctor.status, 1);
  assert.match(doctor.stdout, /fail +store .*cannot be read as an agent-lease store: SQLITE_CORRUPT/);
  repo.stage('src/free.ts');
  const refused = repo.commit(['-m', 'unchecked']);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, new RegExp(`commit refused: cannot read the agent-lease store at ${repo.storePath}: ${damaged.source}\\.\\n`));

  repo.write('.agent-lease.json', DENY_AND_WARN);
  assertDenied(repo.edit(B, 'src/free.ts'), damaged, 'PreToolUse, deny');
  const warned = repo.commit(['-q', '-m', 'warned']);
  assert.equal(warned.status, 0, warned.stderr);
  assert.match(warned.stderr, /warning: cannot read the agent-lease store .*SQLITE_CORRUPT.*the commit was not checked/);

  overwrite(repo, 0, Buffer.from('this is no SQLite header..'));
  assertDenied(
    repo.edit(B, 'src/free.ts'),
    /SQLITE_NOTADB: file is not a database \(the file is not a database: agent-lease doctor, then move it aside\)/,
    'a damaged header',
  );
});

test('damage that ordinary reads never touch: doctor finds it (SQLite quick_check) and says what to do', (t) => {
  const repo = makeFaultRepo(t);
  for (let i = 0; i < 30; i++) assert.equal(cli(repo, ['claim', `src/f${i}.ts`, '--as', `person-${i % 3}`, '--task', `task number ${i}`]).status, 0);
  const pristine = join(repo.base, 'pristine.db');
  copyFileSync(repo.storePath, pristine);
  const quickCheck = (): string => {
    const db = new Database(repo.storePath, { readonly: true });
    try {
      return String(db.pragma('quick_check', { simple: true }));
    } finally {
      db.close();
    }
  };
  // Garbage in the middle of one page after another, until a page whose damage only a full check sees.
  const pages = statSync(pristine).size / 4096;
  let damaged: number | null = null;
  for (let page = 1; page < pages && damaged === null; page++) {
    copyFileSync(pristine, repo.storePath);
    overwrite(repo, page * 4096 + 300, Buffer.alloc(800, 0xa5));
    if (quickCheck() !== 'ok' && cli(repo, ['status']).status === 0) damaged = page;
  }
  assert.notEqual(damaged, null, 'some page holds data that status does not read');
  const doctor = cli(repo, ['doctor', '--json']);
  assert.equal(doctor.status, 1);
  const store = (JSON.parse(doctor.stdout) as { checks: Array<{ check: string; status: string; message: string; fix?: string }> }).checks.find(
    (check) => check.check === 'store',
  )!;
  assert.equal(store.status, 'fail');
  assert.match(store.message, new RegExp(`^${repo.storePath} is damaged: SQLite's quick_check reports "`));
  assert.match(store.fix ?? '', /^move it aside/);
});

const CORRUPTIONS = scaled(12, 300);

test(`${CORRUPTIONS} random corruptions of the database: the hooks, the guard and the command line never crash or hang`, async (t) => {
  const repo = makeFaultRepo(t);
  for (let i = 0; i < 8; i++) repo.edit(`agent-${i}`, `src/f${i}.ts`);
  assert.equal(cli(repo, ['claim', 'docs/**', 'lib/*.ts', '--as', 'alice', '--task', 'a task with some text in it']).status, 0);
  const pristine = join(repo.base, 'pristine.db');
  overwrite(repo, 0, Buffer.alloc(0));
  copyFileSync(repo.storePath, pristine);
  const size = statSync(pristine).size;
  repo.stage('src/f1.ts', 'src/free.ts');
  const outcomes = new Map<string, number>();
  const count = (what: string): void => void outcomes.set(what, (outcomes.get(what) ?? 0) + 1);

  for (let round = 0; round < CORRUPTIONS; round++) {
    for (const suffix of ['-wal', '-shm']) rmSync(`${repo.storePath}${suffix}`, { force: true });
    copyFileSync(pristine, repo.storePath);
    const fd = openSync(repo.storePath, 'r+');
    for (let n = 1 + Math.floor(Math.random() * 6); n > 0; n--) {
      const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(Math.random() * 256) }, () => Math.floor(Math.random() * 256)));
      writeSync(fd, bytes, 0, bytes.length, Math.floor(Math.random() * size));
    }
    closeSync(fd);
    const label = `corruption ${round}`;
    const [edit, stop] = await Promise.all([
      runHookAsync('pre-tool-use', fixture('pre-tool-use.write', repo.root, B, { tool_input: { file_path: join(repo.root, 'src/f1.ts'), content: 'x' } }), {
        env: repo.hookEnv,
        cwd: repo.root,
      }),
      runHookAsync('stop', fixture('stop', repo.root, 'agent-2'), { env: repo.hookEnv, cwd: repo.root }),
    ]);
    for (const run of [edit, stop]) {
      assertNoCrash(run, `${label}: hook`);
      assert.equal(run.status, 0, `${label}: ${run.stderr}`);
    }
    count(`edit ${edit.json?.hookSpecificOutput?.permissionDecision ?? (edit.json?.systemMessage ? 'warned' : 'allowed')}`);
    for (const command of [
      ['status', '--json'],
      ['who', 'src/f1.ts'],
    ]) {
      const result = cli(repo, command);
      assertNoCrash(result, `${label}: ${command[0]}`);
      assert.ok(
        result.status === 0 || (result.status === 2 && result.stderr.trimEnd().split('\n').length === 1),
        `${label}: ${command[0]} exit ${result.status}: ${result.stderr}`,
      );
    }
    const commit = repo.commit(['-q', '-m', label], { env: { AGENT_LEASE_SESSION: B } });
    if (commit.status === 0) repo.git(['reset', '-q', '--soft', 'HEAD~1']);
    assertNoCrash(commit, `${label}: guard`);
    assert.ok(commit.status === 0 || /agent-lease guard: commit refused: /.test(commit.stderr), `${label}: guard exit ${commit.status}: ${commit.stderr}`);
    count(`guard ${commit.status === 0 ? 'passed' : /cannot read the agent-lease store/.test(commit.stderr) ? 'could not read' : 'refused'}`);
  }
  t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
});

test('a database deleted or moved aside while sessions are live: the guard warns, the next hook or command starts a new, empty store and says so', async (t) => {
  const repo = makeFaultRepo(t);
  const agentA = startHookAgent(repo.hookEnv);
  t.after(() => agentA.kill());
  const editBy = (agent: typeof agentA, session: string, file: string): Promise<HookRun> =>
    agent.run('pre-tool-use', fixture('pre-tool-use.write', repo.root, session, { tool_input: { file_path: join(repo.root, file), content: 'x' } }));
  assert.equal((await editBy(agentA, A, 'src/held.ts')).stdout, '');
  assert.equal(repo.edit(B, 'src/free.ts').stdout, '');

  rmSync(repo.storePath);
  assert.ok(existsSync(`${repo.storePath}-wal`), 'the WAL of the deleted store is still there');
  repo.stage('src/held.ts');
  const unchecked = repo.commit(['-q', '-m', 'no store'], { env: { AGENT_LEASE_SESSION: B } });
  assert.equal(unchecked.status, 0);
  assert.equal(
    unchecked.stderr,
    `agent-lease guard: warning: there is no store at ${repo.storePath} although one was created there (deleted?), so no lease is held: the commit was not checked\n`,
  );

  const restarted = repo.edit(B, 'src/held.ts');
  assertWarned(
    restarted,
    new RegExp(
      `^agent-lease: there was no store at ${repo.storePath} although one was created there, so a new, empty one was started: if the old one was deleted, the leases it held are gone$`,
    ),
    'PreToolUse',
  );
  const denied = await editBy(agentA, A, 'src/held.ts');
  assert.equal(denied.json?.hookSpecificOutput?.permissionDecision, 'deny', 'A lost its lease with the store; B has it now, and only B');
  assert.equal(repo.edit(B, 'src/held.ts').stdout, '', 'said once');
  assert.deepEqual(storeLeases(repo.storePath), [{ session_id: B, pattern: 'src/held.ts', released_at: null }], 'nothing of the old WAL came back');

  renameSync(repo.storePath, `${repo.storePath}.damaged`);
  const claim = cli(repo, ['claim', 'docs/**', '--as', 'carol']);
  assert.equal(claim.status, 0);
  assert.match(claim.stderr, /^agent-lease: there was no store at .* so a new, empty one was started/);
  assert.deepEqual(
    storeLeases(repo.storePath).map((lease) => lease.pattern),
    ['docs/**'],
  );
});

test('a full disk, as a file size limit (ulimit -f): the hooks and commands say so, and nothing committed before is lost', (t) => {
  const repo = makeFaultRepo(t);
  const limited = { fileSizeLimitKb: 1 };
  const fresh = makeFaultRepo(t);
  assertWarned(
    fresh.edit(A, 'src/free.ts', { fileSizeLimitKb: 8 }),
    /cannot use its store .*SQLITE_IOERR\w*: disk I\/O error \(the disk is full, a file size limit was reached, or the disk failed\); the edit was allowed WITHOUT a lease/,
    'creating a store',
  );

  repo.edit(A, 'src/held.ts');
  assert.ok(statSync(`${repo.storePath}-wal`).size > 1024);
  const full =
    /SQLITE_(IOERR\w*: disk I\/O error|FULL: database or disk is full) \((the disk is full, a file size limit was reached, or the disk failed|the disk is full)\)/;
  assertWarned(repo.edit(B, 'src/free.ts', limited), full, 'PreToolUse');
  for (const [event, input] of otherHooks(repo)) assertWarned(runHook(event, input, { env: repo.hookEnv, cwd: repo.root, ...limited }), full, event);
  const claim = spawnSync('bash', ['-c', 'ulimit -f 1; exec "$@"', 'bash', process.execPath, CLI_BIN, 'claim', 'docs/**', '--as', 'carol'], {
    cwd: repo.root,
    env: repo.hookEnv,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assertOneLineError(claim, new RegExp(`^agent-lease claim: the agent-lease store failed: ${full.source}`), 'claim');
  repo.write('.agent-lease.json', DENY_AND_WARN);
  assertDenied(repo.edit(B, 'src/free.ts', limited), full, 'PreToolUse, deny');

  rmSync(join(repo.root, '.agent-lease.json'));
  assert.equal(repo.edit(B, 'src/free.ts').stdout, '', 'without the limit it works again');
  assert.deepEqual(
    storeLeases(repo.storePath).map((lease) => [lease.session_id, lease.pattern]),
    [
      [A, 'src/held.ts'],
      [B, 'src/free.ts'],
    ],
  );
});

interface Step {
  argv: string[];
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}
type StepResult = HookRun & { signal: NodeJS.Signals | null };

const STEPS = join(__dirname, 'support', 'steps.cjs');
const MOUNT_FAILED = 97;

/**
 * Runs `steps` in a mount namespace of their own where `dir` is a tmpfs of `sizeKb`: the file
 * system goes away with the namespace, whatever happens to the test. A string says why no such
 * namespace can be made here (no unshare, no permission to mount).
 */
function inSmallFileSystem(dir: string, sizeKb: number, steps: Step[]): StepResult[] | string {
  const script = `mount -t tmpfs -o size=${sizeKb}k agent-lease-test "$1" || exit ${MOUNT_FAILED}; shift; exec "$@"`;
  let why = 'unshare is not installed';
  for (const asRoot of [[], ['--map-root-user']]) {
    const result = spawnSync('unshare', ['--mount', '--propagation', 'private', ...asRoot, 'sh', '-c', script, 'sh', dir, process.execPath, STEPS], {
      input: JSON.stringify(steps),
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (result.error === undefined && result.status === 0) {
      return (JSON.parse(result.stdout) as StepResult[]).map((step) => ({ ...step, json: step.stdout.startsWith('{') ? JSON.parse(step.stdout) : null }));
    }
    if (result.error === undefined && result.status !== MOUNT_FAILED && !/^unshare: /m.test(result.stderr)) {
      throw new Error(`the steps failed (exit ${result.status}): ${result.stderr}`);
    }
    why = result.error?.message ?? result.stderr.trim();
  }
  return why;
}

test('a full disk, as a small file system holding the store: hooks allow or deny, the guard still reads, a bypass says it could not be logged, and all comes back once there is room', (t) => {
  const repo = makeFaultRepo(t);
  mkdirSync(repo.storeDir);
  repo.stage('src/held.ts');
  const hook = (session: string, file: string, event = 'pre-tool-use'): Step => ({
    argv: [process.execPath, CLI_BIN, 'hook', event],
    input: JSON.stringify(
      event === 'pre-tool-use'
        ? fixture('pre-tool-use.write', repo.root, session, { tool_input: { file_path: join(repo.root, file), content: 'x' } })
        : fixture(HOOK_SAMPLES.find(([name]) => name === event)![1], repo.root, session),
    ),
    env: repo.hookEnv,
    cwd: repo.root,
  });
  const sh = (command: string): Step => ({ argv: ['sh', '-c', command], cwd: repo.root, env: repo.hookEnv });
  const steps: Record<string, Step> = {
    holdA: hook(A, 'src/held.ts'),
    holdB: hook(B, 'src/other.ts'),
    // Grants checkpoint the WAL, whose file then has room for small writes even on a full disk:
    // empty it first, so that every write needs new room.
    truncateWal: {
      argv: [
        process.execPath,
        '-e',
        // Killed rather than closed, which would delete -wal and -shm.
        `new (require(${JSON.stringify(require.resolve('better-sqlite3'))}))(process.argv[1]).pragma('wal_checkpoint(TRUNCATE)'); process.kill(process.pid, 'SIGKILL');`,
        repo.storePath,
      ],
    },
    fill: sh(`cat /dev/zero > ${repo.storeDir}/filler`),
    editB: hook(B, 'src/free.ts'),
    stopB: hook(B, '', 'stop'),
    commitB: { argv: ['git', 'commit', '-q', '-m', 'held'], cwd: repo.root, env: { ...repo.env, AGENT_LEASE_SESSION: B } },
    bypassB: { argv: ['git', 'commit', '-q', '-m', 'held'], cwd: repo.root, env: { ...repo.env, AGENT_LEASE_SESSION: B, AGENT_LEASE_BYPASS: '1' } },
    claim: { argv: [process.execPath, CLI_BIN, 'claim', 'docs/**', '--as', 'carol'], cwd: repo.root, env: repo.hookEnv },
    configDeny: sh(`echo '${DENY_AND_WARN}' > .agent-lease.json`),
    editDenied: hook(B, 'src/free.ts'),
    makeRoom: sh(`rm .agent-lease.json ${repo.storeDir}/filler`),
    editAgain: hook(B, 'src/free.ts'),
    leases: {
      argv: [
        process.execPath,
        '-e',
        `const db = new (require(${JSON.stringify(require.resolve('better-sqlite3'))}))(process.argv[1], { readonly: true });
        console.log(JSON.stringify({ check: db.pragma('quick_check', { simple: true }), leases: db.prepare('SELECT session_id, pattern FROM leases WHERE released_at IS NULL ORDER BY token').all() }));`,
        repo.storePath,
      ],
    },
  };
  const ran = inSmallFileSystem(repo.storeDir, 1024, Object.values(steps));
  if (typeof ran === 'string') return t.skip(`no small file system can be mounted here (${ran}); the ulimit -f test stands for a full disk`);
  const result = Object.fromEntries(Object.keys(steps).map((name, i) => [name, ran[i]!])) as Record<keyof typeof steps, StepResult>;

  assert.equal(result.holdA!.status, 0);
  assert.equal(result.holdB!.stdout, '');
  assert.notEqual(result.fill!.status, 0, 'the file system filled up');
  const full = /SQLITE_FULL: database or disk is full \(the disk is full\)/;
  assertWarned(result.editB!, new RegExp(`${full.source}; the edit was allowed WITHOUT a lease`), 'PreToolUse');
  assertWarned(result.stopB!, full, 'Stop');
  assert.equal(result.commitB!.status, 1, 'reading needs no room: the guard still refuses the held file');
  assert.match(result.commitB!.stderr, /src\/held\.ts\n {4}session-a .*holds /);
  assert.equal(result.bypassB!.status, 0);
  assert.match(
    result.bypassB!.stderr,
    new RegExp(`AGENT_LEASE_BYPASS=1: committing src/held\\.ts held by other sessions; the bypass could NOT be logged: ${full.source}`),
  );
  assertOneLineError(result.claim!, new RegExp(`^agent-lease claim: the agent-lease store failed: ${full.source}`), 'claim');
  // The claim's process closed the store at exit, removing its emptied -wal and -shm: making them
  // anew needs room too.
  assertDenied(result.editDenied!, new RegExp(`${full.source}|SQLITE_IOERR_SHMSIZE: disk I/O error \\(the disk is full`), 'PreToolUse, deny');
  assert.equal(result.editAgain!.stdout, '', 'with room again, the edit is leased silently');
  assert.deepEqual(JSON.parse(result.leases!.stdout), {
    check: 'ok',
    leases: [
      { session_id: A, pattern: 'src/held.ts' },
      { session_id: B, pattern: 'src/other.ts' },
      { session_id: B, pattern: 'src/free.ts' },
    ],
  });
});

test('a store kept locked by a stopped process: every hook answers within its timeout and says so; the guard and reads do not wait', async (t) => {
  const repo = makeFaultRepo(t);
  assert.equal(repo.edit(A, 'src/held.ts').stdout, '');
  const denying = repo.addWorktree('wt-deny');
  repo.write('.agent-lease.json', DENY_AND_WARN, denying);
  const locker = spawn(
    process.execPath,
    [
      '-e',
      `const db = new (require(${JSON.stringify(require.resolve('better-sqlite3'))}))(process.argv[1]);
      db.exec('BEGIN IMMEDIATE');
      db.prepare("INSERT INTO events (at, kind, detail) VALUES (0, 'lock', '{}')").run();
      process.stdout.write('locked\\n');
      process.kill(process.pid, 'SIGSTOP');`,
      repo.storePath,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => locker.kill('SIGKILL'));
  await once(locker.stdout!, 'data');

  const timeoutOf = (hook: string): number => HOOK_ENTRIES.find((entry) => entry.hook === hook)!.timeout * 1000;
  const inputs: Array<[event: string, input: Record<string, unknown>, cwd: string]> = [
    ['pre-tool-use', fixture('pre-tool-use.write', repo.root, B, { tool_input: { file_path: join(repo.root, 'src/free.ts'), content: 'x' } }), repo.root],
    ...otherHooks(repo).map(([event, input]): [string, Record<string, unknown>, string] => [event, input, repo.root]),
    ['pre-tool-use', fixture('pre-tool-use.write', denying, B, { tool_input: { file_path: join(denying, 'src/free.ts'), content: 'x' } }), denying],
  ];
  const claim = new Promise<CliResult>((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, 'claim', 'docs/**', '--as', 'carol'], { cwd: repo.root, env: repo.hookEnv });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status, signal) => resolve({ status, signal, stdout: '', stderr }));
  });
  const runs = await Promise.all(inputs.map(([event, input, cwd]) => runHookAsync(event, input, { env: repo.hookEnv, cwd, timeout: timeoutOf(event) })));

  const locked = /SQLITE_BUSY: database is locked \(another process has kept it locked\)/;
  for (const [i, run] of runs.slice(0, -1).entries()) assertWarned(run, locked, inputs[i]![0]);
  assertDenied(runs.at(-1)!, locked, 'PreToolUse, deny');

  repo.stage('src/held.ts');
  const refused = repo.commit(['-m', 'held'], { env: { AGENT_LEASE_SESSION: B } });
  assert.equal(refused.status, 1, 'the guard reads the leases without waiting for the lock');
  assert.match(refused.stderr, /\n {4}session-a .*holds /);
  assert.match(cli(repo, ['who', 'src/held.ts']).stdout, /session-a/);
  assertOneLineError(await claim, new RegExp(`^agent-lease claim: the agent-lease store failed: ${locked.source}`), 'claim');
});
