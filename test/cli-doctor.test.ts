// `doctor` on real installs: healthy, and broken the ways installs break (no binary for the hooks,
// a worktree where husky never ran, an unreadable store, a store out of WAL, a dead session, a
// native module that does not load, a bad config); `--fix` repairs what it safely can.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { installGuard } from '../lib/guard/install';
import { claimFromCrashedAgent, runCli, withoutIdentity, type CliResult, type RunOptions } from './support/cli';
import { isolateGitInThisProcess } from './support/git-repo';
import { makeGuardRepo, setUpHusky, type GuardRepo } from './support/guard';
import { readableBin } from './support/readable-install';

interface Check {
  check: string;
  status: 'ok' | 'warn' | 'fail';
  message: string;
  fix?: string;
  fixed?: string;
}

let repo: GuardRepo;
let env: NodeJS.ProcessEnv;
let storePath: string;

beforeEach(() => {
  repo = makeGuardRepo();
  // No agent-lease on PATH: only what the test installs is found.
  env = { ...withoutIdentity(repo.env), PATH: `${dirname(process.execPath)}:/usr/bin:/bin` };
  storePath = join(repo.root, '.git', 'agent-lease', 'state.db');
  isolateGitInThisProcess(repo.base);
});
afterEach(() => repo.cleanup());

const cli = (args: string[], options: RunOptions = {}): CliResult => runCli(args, { cwd: options.cwd ?? repo.root, env: { ...env, ...options.env } });

function doctor(args: string[] = [], options: RunOptions = {}): { status: number | null; ok: boolean; checks: Check[]; stderr: string } {
  const result = cli(['doctor', '--json', ...args], options);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  const parsed = JSON.parse(result.stdout) as { ok: boolean; checks: Check[] };
  return { status: result.status, stderr: result.stderr, ...parsed };
}

const find = (checks: Check[], name: string): Check[] => checks.filter((check) => check.check === name);
const only = (checks: Check[], name: string): Check => {
  const found = find(checks, name);
  assert.equal(found.length, 1, `one ${name} check`);
  return found[0]!;
};

/** An install as a project would have it: the binary in node_modules/.bin, `init` (hooks and guard), a lease. */
function healthyInstall(): void {
  repo.installBinary();
  assert.equal(cli(['init']).status, 0);
  repo.git(['add', '.claude', '.gitignore']);
  repo.git(['commit', '-q', '-m', 'agent-lease']);
  assert.equal(cli(['claim', 'src/**']).status, 0);
}

describe('doctor', () => {
  it('passes every check on a healthy install, as a table and as JSON', () => {
    healthyInstall();
    const table = cli(['doctor']);
    assert.equal(table.status, 0, table.stdout);
    const names = table.stdout
      .trimEnd()
      .split('\n')
      .slice(0, -2)
      .map((line) => /^ok\s+(\S+)\s/.exec(line)?.[1]);
    assert.deepEqual(names, ['node', 'sqlite', 'store-in-use', 'store', 'wal', 'filesystem', 'sessions', 'config', 'hooks', 'guard']);
    assert.match(table.stdout, /^ok\s+sqlite\s+better-sqlite3 \d+\.\d+\.\d+ \(SQLite 3\.\d+\.\d+\); the native module loads$/m);
    assert.match(table.stdout, new RegExp(`^ok\\s+store\\s+${storePath}: readable and writable, schema \\d+, 1 session row\\(s\\)$`, 'm'));
    assert.match(
      table.stdout,
      /^ok\s+hooks\s+.* \(main\): hooks present, binary .*node_modules\/\.bin\/agent-lease, which the session's Bash tool runs as agent-lease$/m,
    );
    assert.match(table.stdout, /\n\nAll checks passed\.\n$/);
    const json = doctor();
    assert.equal(json.status, 0);
    assert.equal(json.ok, true);
    assert.ok(json.checks.every((check) => check.status === 'ok'));
  });

  it('changes nothing without --fix: no store is created', () => {
    cli(['doctor']);
    assert.equal(existsSync(storePath), false);
    assert.equal(only(doctor().checks, 'store').message, `${storePath}: not created yet (agent-lease creates it at first use)`);
  });

  it('fails when the hooks will find no binary, which --fix cannot install', () => {
    healthyInstall();
    execFileSync('rm', ['-r', join(repo.root, 'node_modules')]);
    const broken = doctor();
    assert.equal(broken.status, 1);
    assert.equal(broken.ok, false);
    const hooks = only(broken.checks, 'hooks');
    assert.equal(hooks.status, 'fail');
    assert.match(hooks.message, /the hooks will not find an agent-lease binary .*run npm install/);
    assert.match(cli(['doctor']).stdout, /^fail\s+hooks\s+/m);
    assert.equal(doctor(['--fix']).status, 1, 'not something doctor may install');
    repo.installBinary();
    assert.equal(doctor().status, 0);
  });

  it("runs the guard's own binary lookup: an installed guard that finds no binary fails (the plugin route with no global install)", () => {
    installGuard(repo.root);
    const result = doctor();
    const guard = only(result.checks, 'guard');
    assert.equal(guard.status, 'fail');
    assert.match(guard.message, /the commit guard is installed \(hooks-dir\) but finds no agent-lease binary \(looked in .*\), so it refuses every commit/);
    assert.match(guard.fix!, /npm i -g agent-lease/);
    repo.installBinary();
    assert.match(only(doctor().checks, 'guard').message, /the commit guard runs \(hooks-dir\), with .*node_modules\/\.bin\/agent-lease$/);
  });

  it('warns when no hooks are configured at all', () => {
    repo.installBinary();
    installGuard(repo.root);
    const result = doctor();
    assert.equal(result.status, 0, 'a warning does not fail');
    const hooks = only(result.checks, 'hooks');
    assert.equal(hooks.status, 'warn');
    assert.match(hooks.message, /no agent-lease hooks .* run `agent-lease init`/);
  });

  it('finds a worktree where husky never ran, and --fix makes the guard run there', () => {
    setUpHusky(repo);
    healthyInstall();
    repo.git(['commit', '-q', '-am', 'guard']);
    const linked = repo.addWorktree('feature');
    const before = doctor([], { cwd: linked });
    assert.equal(before.status, 1);
    const [main, feature] = find(before.checks, 'guard');
    assert.equal(main!.status, 'ok');
    assert.equal(feature!.status, 'fail');
    assert.match(feature!.message, new RegExp(`^${linked} \\(feature\\): .*husky never ran here`));
    assert.ok(feature!.fix);
    const text = cli(['doctor'], { cwd: linked });
    assert.match(text.stdout, /^fail\s+guard\s+.*\(feature\): .*\n\s+fix: /m);

    const fixed = doctor(['--fix'], { cwd: linked });
    assert.equal(fixed.status, 0, JSON.stringify(fixed.checks, null, 1));
    assert.match(find(fixed.checks, 'guard')[1]!.fixed!, /^changed .*\.husky\/_/);
    assert.ok(existsSync(join(linked, '.husky', '_')));
    assert.equal(doctor([], { cwd: linked }).status, 0);
  });

  it('fails on a store that is not a database, and leaves it alone even with --fix', () => {
    healthyInstall();
    for (const suffix of ['', '-wal', '-shm']) execFileSync('rm', ['-f', `${storePath}${suffix}`]);
    writeFileSync(storePath, 'these are not the leases you are looking for\n'.repeat(100));
    const result = doctor(['--fix']);
    assert.equal(result.status, 1);
    const store = only(result.checks, 'store');
    assert.equal(store.status, 'fail');
    assert.match(store.message, /cannot be read as an agent-lease store: SQLITE_NOTADB: file is not a database$/);
    assert.match(store.fix!, /move it aside/);
    assert.match(readFileSync(storePath, 'utf8'), /^these are not the leases/);
  });

  it('fails on a store this user cannot read, and --fix gives the owner access back', () => {
    healthyInstall();
    const nobody = process.getuid?.() === 0 ? 65534 : undefined;
    if (nobody !== undefined) {
      // root reads anything: play an ordinary user who owns the store but lost access to it.
      chmodSync(repo.base, 0o755);
      const storeDir = dirname(storePath);
      for (const file of [storeDir, ...readdirSync(storeDir).map((name) => join(storeDir, name))]) chownSync(file, nobody, nobody);
    }
    chmodSync(storePath, 0o000);
    const asUser: RunOptions = { env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'safe.directory', GIT_CONFIG_VALUE_0: '*' } };
    const run = (args: string[]): { status: number | null; checks: Check[] } => {
      const result = nobody === undefined ? cli(['doctor', '--json', ...args], asUser) : runAs(nobody, ['doctor', '--json', ...args], asUser.env!);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
      return { status: result.status, checks: (JSON.parse(result.stdout) as { checks: Check[] }).checks };
    };
    const broken = run([]);
    assert.equal(broken.status, 1);
    const store = only(broken.checks, 'store');
    assert.equal(store.status, 'fail');
    assert.match(store.message, new RegExp(`${storePath}: not readable and writable by this user`));

    const repaired = run(['--fix']);
    const after = only(repaired.checks, 'store');
    assert.equal(after.status, 'ok', after.message);
    assert.match(after.fixed!, new RegExp(`gave the owner read and write access to ${storePath}`));
  });

  it('fails when the store is not in WAL mode; --fix switches it', () => {
    healthyInstall();
    const db = new Database(storePath);
    db.pragma('journal_mode = DELETE');
    db.close();
    const broken = doctor();
    assert.equal(broken.status, 1);
    assert.match(only(broken.checks, 'wal').message, /journal mode is delete, not WAL/);
    const fixed = doctor(['--fix']);
    assert.equal(fixed.status, 0);
    assert.deepEqual(only(fixed.checks, 'wal'), {
      check: 'wal',
      status: 'ok',
      message: 'journal mode WAL',
      fixed: 'switched the journal mode from delete to WAL',
    });
  });

  it('warns about sessions whose process is gone; only --fix ends them', () => {
    healthyInstall();
    claimFromCrashedAgent('gone.ts', { cwd: repo.root, env });
    const warned = doctor();
    assert.equal(warned.status, 0);
    const sessions = only(warned.checks, 'sessions');
    assert.equal(sessions.status, 'warn');
    assert.match(sessions.message, /1 session\(s\) whose agent process is gone were never ended: crashed-agent/);
    const stillOpen = JSON.parse(cli(['status', '--json', '--all']).stdout).sessions.find((s: { id: string }) => s.id === 'crashed-agent');
    assert.equal(stillOpen.endedAt, null, 'doctor without --fix changed nothing');
    const fixed = only(doctor(['--fix']).checks, 'sessions');
    assert.equal(fixed.status, 'ok');
    assert.equal(fixed.fixed, 'ended crashed-agent and released their leases');
    const ended = JSON.parse(cli(['status', '--json', '--all']).stdout).sessions.find((s: { id: string }) => s.id === 'crashed-agent');
    assert.ok(ended.endedAt);
  });

  it('fails with the fix when the better-sqlite3 native module does not load', () => {
    healthyInstall();
    const preload = join(repo.base, 'break-sqlite.js');
    writeFileSync(
      preload,
      `const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'better-sqlite3') throw new Error('The module was compiled against a different Node.js version using NODE_MODULE_VERSION 0 (simulated)');
  return load.call(this, request, ...rest);
};
`,
    );
    const result = doctor([], { env: { NODE_OPTIONS: `--require ${preload}` } });
    assert.equal(result.status, 1);
    const sqlite = only(result.checks, 'sqlite');
    assert.equal(sqlite.status, 'fail');
    assert.match(sqlite.message, /^better-sqlite3 \d+\.\d+\.\d+ does not load: The module was compiled against a different Node\.js version/);
    assert.match(sqlite.fix!, /^npm rebuild better-sqlite3/);
    assert.equal(only(result.checks, 'store').message, 'not checked: better-sqlite3 does not load');
    assert.equal(only(result.checks, 'guard').status, 'ok', 'the other checks still run');
  });

  it('fails on an invalid configuration file, naming the field', () => {
    healthyInstall();
    writeFileSync(join(repo.root, '.agent-lease.json'), JSON.stringify({ ttl: { edit: 'soon' } }));
    const config = only(doctor().checks, 'config');
    assert.equal(config.status, 'fail');
    assert.match(config.message, /\.agent-lease\.json: ttl\.edit: expected a duration like "90s"/);
  });
});

/** Runs the CLI as another user, for the permission checks root would otherwise pass. */
function runAs(uid: number, args: string[], extraEnv: NodeJS.ProcessEnv): CliResult {
  const result = spawnSync(process.execPath, [readableBin(), ...args], {
    cwd: repo.root,
    env: { ...env, ...extraEnv },
    uid,
    gid: uid,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
