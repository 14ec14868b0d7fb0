// Installing the guard, with husky and without, and keeping it active in every worktree: checked
// with real `git commit`s, which refuse a held file only when the guard really runs.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentLeaseError } from '../lib/util/errors';
import { installGuard, uninstallGuard } from '../lib/guard/install';
import { GUARDED_HOOKS } from '../lib/guard/script';
import { ensureGuardActive, guardState, repairAllWorktrees, worktreeGuardStates } from '../lib/guard/state';
import { isolateGitInThisProcess } from './support/git-repo';
import { makeGuardRepo, setUpHusky, type GuardRepo } from './support/guard';

let repo: GuardRepo;

beforeEach(async () => {
  repo = makeGuardRepo();
  isolateGitInThisProcess(repo.base);
  await repo.hold('bob', ['held.txt'], { task: 'holding' });
});
afterEach(() => repo.cleanup());

/** Stages a change to the held file and commits it in `cwd`: refused exactly when the guard runs. */
function commitHeld(cwd = repo.root, env: NodeJS.ProcessEnv = {}): { status: number | null; stderr: string; stdout: string } {
  repo.write('held.txt', `${Math.random()}\n`, cwd);
  repo.git(['add', 'held.txt'], cwd);
  const result = repo.commit(['-q', '-m', 'held'], { cwd, env });
  if (result.status !== 0) repo.git(['reset', '-q', 'held.txt'], cwd);
  return result;
}

/** A husky project whose main branch has the guard in its committed .husky/pre-commit. */
function huskyWithGuardCommitted(): void {
  setUpHusky(repo);
  repo.installBinary();
  installGuard(repo.root);
  repo.git(['add', '.husky']);
  repo.git(['commit', '-q', '-m', 'guard']);
}

/** The guarded hooks' files in `dir`. */
function guarded(dir: string): string[] {
  return GUARDED_HOOKS.map((hook) => join(dir, hook));
}

function snapshot(dir: string): Record<string, { content: string; mode: number }> {
  const files: Record<string, { content: string; mode: number }> = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    files[name] = { content: readFileSync(path, 'utf8'), mode: statSync(path).mode };
  }
  return files;
}

test('without husky: installs into the hooks directory, chaining the hook that was there; uninstall puts it back exactly', () => {
  repo.installBinary();
  const hooks = join(repo.root, '.git', 'hooks');
  writeFileSync(join(hooks, 'pre-commit'), '#!/bin/sh\necho "previous hook ran with $# arguments" >&2\n[ ! -e veto ]\n', { mode: 0o750 });
  const before = snapshot(hooks);

  const dry = installGuard(repo.root, { dryRun: true });
  assert.deepEqual(snapshot(hooks), before, 'a dry run writes nothing');
  const installed = installGuard(repo.root);
  assert.deepEqual(installed.changed.sort(), dry.changed.sort());
  assert.equal(installed.method, 'hooks-dir');
  assert.deepEqual(installed.changed.sort(), [...guarded(hooks), join(hooks, 'pre-commit.agent-lease-chained')].sort());
  assert.match(installed.description, /then the hook\(s\) it replaced, kept as .*pre-commit\.agent-lease-chained/);
  assert.deepEqual(installGuard(repo.root).changed, [], 'installing again changes nothing');
  assert.deepEqual(guardState(repo.root), { active: true, method: 'hooks-dir' });

  const refused = commitHeld();
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /^ {4}bob .*holds /m);
  repo.write('free.txt');
  repo.git(['add', 'free.txt']);
  const allowed = repo.commit(['-q', '-m', 'free']);
  assert.equal(allowed.status, 0);
  assert.match(allowed.stderr, /previous hook ran with 0 arguments/, 'the chained hook still runs');
  repo.write('veto');
  repo.write('free.txt', 'again\n');
  repo.git(['add', 'free.txt']);
  assert.equal(repo.commit(['-q', '-m', 'vetoed']).status, 1, "the chained hook's failure still stops the commit");

  assert.equal(uninstallGuard(repo.root).changed.length, GUARDED_HOOKS.length + 1);
  assert.deepEqual(snapshot(hooks), before, 'the hooks directory is as it was, bytes and modes');
  assert.deepEqual(uninstallGuard(repo.root).changed, []);
});

test('without husky and without a previous hook: install, then uninstall leaves no trace', () => {
  repo.installBinary();
  const hooks = join(repo.root, '.git', 'hooks');
  const before = snapshot(hooks);
  assert.deepEqual(installGuard(repo.root).changed, guarded(hooks));
  assert.equal(commitHeld().status, 1);
  uninstallGuard(repo.root);
  assert.deepEqual(snapshot(hooks), before);
  assert.equal(commitHeld().status, 0);
});

test('a repository-local core.hooksPath is honoured; one from the global config is not written to', () => {
  repo.installBinary();
  const shared = join(repo.base, 'team-hooks');
  mkdirSync(shared);
  repo.git(['config', 'core.hooksPath', shared]);
  assert.deepEqual(installGuard(repo.root).changed, guarded(shared));
  assert.equal(commitHeld().status, 1);
  uninstallGuard(repo.root);
  repo.git(['config', '--unset', 'core.hooksPath']);

  writeFileSync(join(repo.base, '.gitconfig'), `[core]\n\thooksPath = ${shared}\n`);
  assert.throws(
    () => installGuard(repo.root),
    (error: unknown) => error instanceof AgentLeaseError && /core\.hooksPath is set in your global git config/.test(error.message),
  );
  assert.deepEqual(readdirSync(shared), [], 'nothing was written to the global hooks directory');
  assert.match(ensureGuardActive(repo.root).problem ?? '', /global git config/, 'the session start reports it rather than throw');
});

test('a hooks directory inside the worktree holds tracked files: the guard is appended to its shell hook, nothing is moved', () => {
  repo.installBinary();
  const hookFile = repo.write('.githooks/pre-commit', '#!/bin/sh\necho "team hook ran"\n');
  chmodSync(hookFile, 0o755);
  repo.git(['add', '.githooks']);
  repo.git(['commit', '-q', '-m', 'team hooks']);
  repo.git(['config', 'core.hooksPath', '.githooks']);
  assert.match(ensureGuardActive(repo.root).problem!, /not installed/, 'a session start does not edit tracked hooks');

  assert.deepEqual(installGuard(repo.root).changed, guarded(join(repo.root, '.githooks')));
  assert.equal(
    repo.git(['status', '--porcelain', '.githooks']),
    'M .githooks/pre-commit\n?? .githooks/pre-applypatch\n?? .githooks/pre-merge-commit\n?? .githooks/prepare-commit-msg',
  );
  assert.deepEqual(guardState(repo.root), { active: true, method: 'hooks-dir' });
  const refused = commitHeld();
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /team hook ran[\s\S]*\n {4}bob .*holds /);
  uninstallGuard(repo.root);
  assert.equal(repo.git(['status', '--porcelain', '.githooks']), '');

  writeFileSync(hookFile, '#!/usr/bin/env python3\nprint("team hook")\n');
  assert.throws(() => installGuard(repo.root), /\.githooks\/pre-commit is tracked and not a shell script/);
});

test("with husky: the guard is appended once to .husky/pre-commit, after the user's lines, which still run; uninstall restores the file", () => {
  setUpHusky(repo, 'echo "user hook ran"\necho "second line"');
  repo.installBinary();
  const script = join(repo.root, '.husky', 'pre-commit');
  const original = readFileSync(script, 'utf8');

  const installed = installGuard(repo.root);
  assert.equal(installed.method, 'husky');
  assert.deepEqual(installed.changed, guarded(join(repo.root, '.husky')));
  const text = readFileSync(script, 'utf8');
  assert.ok(text.startsWith('echo "user hook ran"\necho "second line"\n# agent-lease guard: begin'), 'appended on a new line, nothing clobbered');
  assert.deepEqual(installGuard(repo.root).changed, []);
  assert.equal(readFileSync(script, 'utf8'), text, 'appended once');
  assert.deepEqual(guardState(repo.root), { active: true, method: 'husky' });

  const refused = commitHeld();
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /user hook ran\nsecond line/, 'git shows hook output on stderr');
  assert.match(refused.stderr, /^ {4}bob .*holds /m);

  assert.deepEqual(uninstallGuard(repo.root).changed, guarded(join(repo.root, '.husky')));
  assert.equal(readFileSync(script, 'utf8'), original, 'byte for byte, missing final newline included');
  assert.equal(repo.git(['status', '--porcelain', '.husky']), '', 'the hook files it created are gone');
  assert.equal(commitHeld().status, 0);
});

test('with husky but no .husky/pre-commit yet: the file is created, and uninstall removes it again', () => {
  setUpHusky(repo);
  repo.git(['rm', '-q', '.husky/pre-commit']);
  repo.git(['commit', '-q', '-m', 'no pre-commit']);
  repo.installBinary();
  const script = join(repo.root, '.husky', 'pre-commit');
  installGuard(repo.root);
  assert.ok(statSync(script).mode & 0o100);
  assert.equal(commitHeld().status, 1);
  uninstallGuard(repo.root);
  assert.equal(existsSync(script), false);
  assert.equal(repo.git(['status', '--porcelain', '.husky']), '');
});

test("husky only in devDependencies, never run: install creates .husky/pre-commit and runs husky's setup; uninstall takes both back", () => {
  repo.linkHusky();
  repo.installBinary();
  repo.write('package.json', '{ "devDependencies": { "husky": "^9.1.7" } }\n');
  assert.deepEqual(guardState(repo.root), {
    active: false,
    method: 'husky',
    problem: 'the guard is not installed: there is no .husky/pre-commit',
    fix: `agent-lease init in ${repo.root} (or agent-lease doctor --fix), then commit .husky/pre-commit`,
  });
  const installed = installGuard(repo.root);
  assert.equal(installed.method, 'husky');
  assert.deepEqual(installed.changed, [...guarded(join(repo.root, '.husky')), join(repo.root, '.husky', '_')]);
  assert.equal(repo.git(['config', 'core.hooksPath']), '.husky/_');
  assert.deepEqual(guardState(repo.root), { active: true, method: 'husky' });
  assert.equal(commitHeld().status, 1);

  uninstallGuard(repo.root);
  assert.throws(() => repo.git(['config', 'core.hooksPath']), 'core.hooksPath is unset again, so .git/hooks runs as before');
  assert.equal(existsSync(join(repo.root, '.husky')), false, "neither the guard script nor husky's generated directory is left");
});

test('a session start in a husky project where nobody installed the guard changes nothing', () => {
  repo.linkHusky();
  repo.write('package.json', '{ "devDependencies": { "husky": "^9.1.7" } }\n');
  const result = ensureGuardActive(repo.root);
  assert.equal(result.done, 'nothing');
  assert.match(result.problem!, /the guard is not installed: there is no \.husky\/pre-commit; fix: agent-lease init/);
  assert.throws(() => repo.git(['config', 'core.hooksPath']), "husky was not set up behind the user's back");
  assert.equal(existsSync(join(repo.root, '.husky')), false);
});

test('husky in devDependencies but not installed: the guard is added, and install says it waits for husky', () => {
  repo.installBinary();
  repo.write('package.json', '{ "devDependencies": { "husky": "^9.1.7" } }\n');
  const installed = installGuard(repo.root);
  assert.deepEqual(installed.changed, guarded(join(repo.root, '.husky')));
  assert.match(installed.description, /but not before husky is set up: husky is installed neither in .* nor in the main worktree, .*run npm install/);
  assert.match(guardState(repo.root).problem!, /husky is not set up in this clone \(core\.hooksPath is unset\)/);
  repo.linkHusky();
  assert.deepEqual(ensureGuardActive(repo.root), { done: 'repaired' }, 'once husky is there, the session start sets it up');
  assert.equal(commitHeld().status, 1);
});

test('a fresh worktree where husky never ran commits unguarded, until ensureGuardActive repairs it', () => {
  huskyWithGuardCommitted();
  const linked = repo.addWorktree('feature');
  assert.equal(existsSync(join(linked, '.husky', '_')), false);

  const state = guardState(linked);
  assert.equal(state.active, false);
  assert.equal(state.method, 'husky');
  assert.match(state.problem!, /\.husky\/_ does not exist in this worktree \(husky never ran here\), so git runs no hook at all/);
  assert.equal(commitHeld(linked).status, 0, 'the hole: git found no hook to run');

  assert.deepEqual(ensureGuardActive(linked), { done: 'repaired' });
  assert.deepEqual(guardState(linked), { active: true, method: 'husky' });
  const refused = commitHeld(linked);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /user hook ran/, "the user's husky hooks run again too");
  assert.match(refused.stderr, /^ {4}bob .*holds /m);
  assert.deepEqual(ensureGuardActive(linked), { done: 'nothing' });
  assert.equal(repo.git(['status', '--porcelain', '.husky'], linked), '', 'nothing tracked was touched');
});

test('doctor: every worktree is listed with its state, and repairAllWorktrees makes the guard run in all of them', () => {
  huskyWithGuardCommitted();
  const first = repo.addWorktree('first');
  const second = repo.addWorktree('second');

  const states = worktreeGuardStates(repo.root);
  assert.deepEqual(
    states.map((s) => [s.branch, s.active]),
    [
      ['main', true],
      ['first', false],
      ['second', false],
    ],
  );
  assert.match(states[1]!.fix!, /agent-lease doctor --fix/);

  const repairs = repairAllWorktrees(repo.root);
  assert.deepEqual(
    repairs.map((r) => [r.branch, r.repaired, r.problem]),
    [
      ['main', false, undefined],
      ['first', true, undefined],
      ['second', true, undefined],
    ],
  );
  assert.deepEqual(repairs[1]!.changed, [join(first, '.husky', '_')]);
  assert.ok(worktreeGuardStates(repo.root).every((s) => s.active));
  assert.equal(commitHeld(first).status, 1);
  assert.equal(commitHeld(second).status, 1);
});

test('a branch whose .husky/pre-commit predates the guard: reported at session start, fixed by repairing all worktrees', () => {
  setUpHusky(repo);
  repo.installBinary();
  const old = repo.addWorktree('old-branch');
  installGuard(repo.root);
  repo.git(['commit', '-q', '-am', 'guard']);

  const atStart = ensureGuardActive(old);
  assert.equal(atStart.done, 'repaired', "husky's directory is made, so the user's own hooks run again");
  assert.match(atStart.problem!, /\.husky\/pre-commit on this branch does not run the guard; fix: agent-lease init/);
  assert.equal(repo.git(['status', '--porcelain'], old), '', 'a session start does not edit tracked files');
  assert.equal(commitHeld(old).status, 0);

  const [, repair] = repairAllWorktrees(repo.root);
  assert.equal(repair!.repaired, true);
  assert.deepEqual(repair!.changed, guarded(join(old, '.husky')));
  assert.equal(repo.git(['status', '--porcelain', '.husky/pre-commit'], old), 'M .husky/pre-commit');
  assert.equal(commitHeld(old).status, 1);
});

test('without husky, ensureGuardActive installs a missing hook and re-enables one that lost its execute bit', () => {
  repo.installBinary();
  const hook = join(repo.root, '.git', 'hooks', 'pre-commit');
  assert.equal(commitHeld().status, 0);
  assert.deepEqual(ensureGuardActive(repo.root), { done: 'installed' }, 'a first install is not a repair');
  assert.equal(commitHeld().status, 1);
  chmodSync(hook, 0o644);
  assert.match(guardState(repo.root).problem!, /pre-commit is not executable/);
  assert.deepEqual(ensureGuardActive(repo.root), { done: 'repaired' });
  assert.equal(commitHeld().status, 1);
});

test('ensureGuardActive runs no git when the guard is already active', () => {
  setUpHusky(repo);
  installGuard(repo.root);
  const saved = process.env.PATH;
  process.env.PATH = mkdtempSync(join(repo.base, 'empty-path-'));
  try {
    assert.deepEqual(ensureGuardActive(repo.root), { done: 'nothing' }, 'with no git on PATH, any git call would have failed');
  } finally {
    process.env.PATH = saved;
  }
});

test('the hook finds the binary in this worktree, the main worktree or PATH; without one it refuses, saying how to fix or bypass', () => {
  installGuard(repo.root);
  const missing = commitHeld();
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /commit refused: the guard cannot run: no agent-lease binary in \.\/node_modules\/\.bin, .*node_modules\/\.bin or PATH/);
  assert.match(missing.stderr, /Fix: npm install .*the same git command with AGENT_LEASE_BYPASS=1 \(or --no-verify\)/);

  const bypassed = commitHeld(repo.root, { AGENT_LEASE_BYPASS: '1' });
  assert.equal(bypassed.status, 0);
  assert.match(bypassed.stderr, /AGENT_LEASE_BYPASS=1, so this commit goes through unchecked and unlogged/);

  const onPath = join(repo.base, 'global');
  const launcher = repo.installBinary(onPath);
  assert.equal(commitHeld(repo.root, { PATH: `${join(onPath, 'node_modules', '.bin')}:${process.env.PATH}` }).status, 1, 'found on PATH');

  writeFileSync(launcher, '#!/bin/sh\nexec /nonexistent/node "$@"\n');
  const broken = commitHeld(repo.root, { PATH: `${join(onPath, 'node_modules', '.bin')}:${process.env.PATH}` });
  assert.equal(broken.status, 1);
  assert.match(broken.stderr, /could not be started \(exit 127; is node on PATH\?\)/);

  const linked = repo.addWorktree('feature');
  repo.installBinary(linked);
  assert.equal(commitHeld(linked).status, 1, "found in the linked worktree's own node_modules");
});

test('without a store the hook passes even with no binary: a teammate who never used agent-lease is not blocked', () => {
  const fresh = makeGuardRepo();
  try {
    process.env.HOME = fresh.base;
    installGuard(fresh.root);
    fresh.write('a.txt');
    fresh.git(['add', 'a.txt']);
    const result = fresh.commit(['-q', '-m', 'no agent-lease here']);
    assert.equal(result.status, 0);
    assert.equal(result.stderr, '');
  } finally {
    fresh.cleanup();
  }
});
