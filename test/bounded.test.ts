// No hook outlives its timeout, whatever it is given: patterns whose matching agent-lease cannot
// bound are refused at claim time, and those it accepts are matched in time linear in the path;
// 50,000 live leases, 500 worktree directories on disk and a crowded .agent-locks/ still get every
// hook an answer. (Assertions are on answers within each hook's own Claude Code timeout, kept
// generous here; the figures are in bench/scale.ts and docs/reliability.md.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOOK_ENTRIES } from '../lib/claude/hook-commands';
import { openStore } from '../lib/core/sqlite';
import { populateLeases } from '../bench/fixtures';
import { runCli } from './support/cli';
import { assertNoCrash, makeFaultRepo } from './support/faults';
import { fixture, runHook } from './support/hooks';

const A = 'session-a';
/** A hook's timeout in Claude Code's settings, in milliseconds, and twice that for a loaded machine. */
const budget = (hook: string): number => 2 * 1000 * HOOK_ENTRIES.find((entry) => entry.hook === hook)!.timeout;

test('patterns agent-lease cannot match in bounded time are refused at claim time, and the ones it takes are matched in bounded time', (t) => {
  const repo = makeFaultRepo(t);
  const cli = (args: string[]) => runCli(args, { cwd: repo.root, env: repo.hookEnv });
  for (const [label, pattern] of [
    ['a 10 KB pattern', `src/${'a*'.repeat(5000)}`],
    ['braces expanding to 2^40 alternatives', `src/${'{a,b}'.repeat(40)}.ts`],
    ['numeric braces expanding to 10^10', 'src/{1..100000}{1..100000}.ts'],
  ] as const) {
    const claim = cli(['claim', '--as', 'bob', pattern]);
    assert.equal(claim.status, 2, `${label}: ${claim.stderr}`);
    assert.match(claim.stderr, /cannot lease/, label);
  }
  // minimatch's regex for this backtracks for seconds per 200-character name: here it is granted,
  // and the edits and the commit that meet it answer.
  assert.equal(cli(['claim', '--as', 'bob', 'src/*a*a*a*a*a*a*b']).status, 0);
  const name = `src/${'a'.repeat(250)}.ts`;
  repo.write(name, 'x\n');
  const edit = repo.edit(A, name, { timeout: budget('pre-tool-use') });
  assertNoCrash(edit, 'PreToolUse');
  assert.deepEqual([edit.status, edit.stdout], [0, '']);
  repo.stage(name);
  assert.equal(repo.commit(['-q', '-m', 'long name'], { env: { AGENT_LEASE_SESSION: A } }).status, 0);
});

test('50,000 live leases, 500 worktree directories and a crowded .agent-locks/: every hook answers', async (t) => {
  const repo = makeFaultRepo(t);
  const store = openStore({ path: repo.storePath });
  await populateLeases(store, 50_000, 100);
  await store.close();
  // Worktrees as git lists them on disk (git's own `worktree add` of 500 would take minutes).
  for (let i = 0; i < 500; i++) {
    const root = join(repo.base, 'worktrees', `wt-${i}`);
    // Each with a view already: the ones a sync keeps are bounded, not the ones on disk.
    mkdirSync(join(root, '.agent-locks'), { recursive: true });
    writeFileSync(join(root, '.git'), `gitdir: ${join(repo.root, '.git', 'worktrees', `wt-${i}`)}\n`);
    mkdirSync(join(repo.root, '.git', 'worktrees', `wt-${i}`), { recursive: true });
    writeFileSync(join(repo.root, '.git', 'worktrees', `wt-${i}`, 'gitdir'), `${join(root, '.git')}\n`);
  }
  mkdirSync(join(repo.root, '.agent-locks'), { recursive: true });
  for (let i = 0; i < 20_000; i++) writeFileSync(join(repo.root, '.agent-locks', `noise-${i}.json`), '{"token": 1}');

  const env = repo.hookEnv;
  let clock = Date.now();
  const lap = (label: string): void => {
    t.diagnostic(`${label}: ${Date.now() - clock} ms`);
    clock = Date.now();
  };
  lap('set-up');
  const start = runHook('session-start', fixture('session-start.startup', repo.root, A), { env, timeout: budget('session-start') });
  lap('SessionStart');
  assertNoCrash(start, 'SessionStart');
  assert.match(start.json?.hookSpecificOutput?.additionalContext ?? '', /and 4998\d more/);
  for (const file of ['src/new.ts', 'pkg7/src/m0/file7.ts']) {
    const edit = repo.edit(A, file, { timeout: budget('pre-tool-use') });
    lap(`PreToolUse ${file}`);
    assertNoCrash(edit, `PreToolUse ${file}`);
    assert.equal(edit.status, 0);
  }
  repo.write('src/new.ts', 'changed\n');
  const stop = runHook('stop', fixture('stop', repo.root, A), { env, timeout: budget('stop') });
  lap('Stop');
  assertNoCrash(stop, 'Stop');
  assert.equal(stop.status, 0);
});
