// End to end on the real Claude Code: a session edits and commits src/x.ts on its branch and exits;
// its change is not merged, so a session in another worktree is denied the file, the branch named;
// once the branch is squash-merged into main, that session's edit goes through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gate, lastToolOutcome, type ToolOutcome } from './support/claude-code';
import { harness, initProject, SKIP, within } from './support/claude-project';
import { BIN, hookEnv } from './support/hooks';

test('A commits on feature-auth and exits; B is denied naming the branch; after a squash merge B edits', { skip: SKIP, timeout: 240_000 }, async (t) => {
  const { repo, claude, scriptFailures } = harness(t);
  initProject(repo);
  const worktreeA = repo.addWorktree('wt-a', 'feature-auth');
  const worktreeB = repo.addWorktree('wt-b', 'feature-b');
  const fileA = join(worktreeA, 'src', 'x.ts');
  const fileB = join(worktreeB, 'src', 'x.ts');

  const a = await claude('a', worktreeA, [
    () => ({ tool: 'Read', input: { file_path: fileA } }),
    () => ({ tool: 'Edit', input: { file_path: fileA, old_string: 'export const x = 1;', new_string: 'export const x = 2;' } }),
    (request) => {
      assert.equal(lastToolOutcome(request).isError, false, `A's edit: ${lastToolOutcome(request).result}`);
      return { tool: 'Bash', input: { command: 'git add src/x.ts && git commit -q -m "auth: x = 2" && echo committed', description: 'Commit x' } };
    },
    (request) => {
      assert.match(lastToolOutcome(request).result, /committed/);
      return { text: 'A is done.' };
    },
  ]);
  const aExit = await within(a.exited, 'A to finish and exit', 120_000);
  assert.equal(aExit.code, 0, aExit.stderr);
  const status = JSON.parse(execFileSync(process.execPath, [BIN, 'status', '--json'], { cwd: repo.root, env: hookEnv(repo.env), encoding: 'utf8' }));
  assert.deepEqual(
    status.leases.map((lease: { pattern: string; source: string; branch: string }) => [lease.pattern, lease.source, lease.branch]),
    [['src/x.ts', 'branch', 'feature-auth']],
    'A is gone; its committed, unmerged change is held by its branch',
  );

  const bDenied = gate<ToolOutcome>();
  const merged = gate();
  const bRetried = gate<ToolOutcome>();
  const b = await claude('b', worktreeB, [
    () => ({ tool: 'Read', input: { file_path: fileB } }),
    () => ({ tool: 'Write', input: { file_path: fileB, content: 'export const x = 3;\n' } }),
    async (request) => {
      bDenied.open(lastToolOutcome(request));
      await merged.promise;
      return { tool: 'Write', input: { file_path: fileB, content: 'export const x = 3;\n' } };
    },
    (request) => {
      bRetried.open(lastToolOutcome(request));
      return { text: 'B is done.' };
    },
  ]);
  const denied = await within(bDenied.promise, "B's Write to be answered");
  assert.equal(denied.isError, true, 'the Write was blocked');
  assert.match(denied.result, /agent-lease denied this edit: src\/x\.ts has a committed change on another branch that is not merged yet/);
  assert.match(denied.result, /branch feature-auth changed src\/x\.ts and it is not merged into main yet, last changed there in [0-9a-f]{7} "auth: x = 2"/);
  assert.match(denied.result, /no session is working on that branch now/);
  assert.equal(readFileSync(fileB, 'utf8'), 'export const x = 1;\n');

  repo.git(['merge', '-q', '--squash', 'feature-auth']);
  repo.git(['commit', '-q', '-m', 'Squash feature-auth']);
  merged.open();
  const retried = await within(bRetried.promise, "B's second Write");
  assert.equal(retried.isError, false, `after the squash merge B's edit goes through: ${retried.result}`);
  assert.equal(readFileSync(fileB, 'utf8'), 'export const x = 3;\n');
  const bExit = await within(b.exited, 'B to exit');
  assert.equal(bExit.code, 0, bExit.stderr);
  assert.deepEqual(scriptFailures(), []);
});
