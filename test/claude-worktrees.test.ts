// `claude -w NAME` worktrees: Claude Code 2.1.332 makes them at .claude/worktrees/NAME, on branch
// worktree-NAME, nested inside the main worktree, and sends no WorktreeRemove when it removes one.
// With the hook inputs it sent in such a session (`*.claude-w` fixtures): leases on repository-
// relative paths, nothing of .claude/worktrees/ leased or shown as the main worktree's change, the
// guard active there from the first commit, and leases released once the worktree is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { listLeases } from '../lib/core/lease-queries';
import { guardState } from '../lib/guard/state';
import { runCli } from './support/cli';
import { setUpHusky, makeGuardRepo } from './support/guard';
import { isolateGitInThisProcess } from './support/git-repo';
import { capturedInput, fixture, hookEnv, runHook, withRepoStore, type HookInput } from './support/hooks';
import { installGuard } from '../lib/guard/install';

const W = '32df3ed0-69a5-4489-a303-97f7b2b38ccd';
const MAIN = '4c0ffee0-1111-4aaa-8bbb-000000000001';

test('a claude -w worktree: repository-relative leases, the guard from its first commit, nothing of it in the main worktree, its leases ended once it is removed', async (t) => {
  const repo = makeGuardRepo();
  t.after(() => repo.cleanup());
  isolateGitInThisProcess(repo.base);
  setUpHusky(repo);
  repo.installBinary();
  installGuard(repo.root);
  repo.write('src/held.ts', 'held\n');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'guard']);
  // What `claude -w feat2` does before its first hook.
  const worktree = join(repo.root, '.claude', 'worktrees', 'feat2');
  repo.git(['worktree', 'add', '-q', '-b', 'worktree-feat2', worktree]);
  assert.equal(guardState(worktree).active, false, 'husky never ran there');
  const env = hookEnv(repo.env);
  const inW = (name: string, overrides: HookInput = {}): HookInput => ({ ...capturedInput(name, repo.root), ...overrides });
  const writeIn = (sessionId: string, root: string, path: string): HookInput =>
    fixture('pre-tool-use.write', root, sessionId, { cwd: root, tool_input: { file_path: join(root, path), content: 'x\n' } });

  const start = runHook('session-start', inW('session-start.startup.claude-w'), { env });
  assert.equal(start.status, 0, start.stderr);
  assert.match(start.json?.systemMessage ?? '', /the commit guard was not active in this worktree and has been repaired/);
  assert.equal(runHook('pre-tool-use', inW('pre-tool-use.write.claude-w'), { env }).stdout, '');
  assert.equal(runHook('pre-tool-use', writeIn(W, worktree, 'src/w2.ts'), { env }).stdout, '');
  repo.write('src/w.ts', 'w\n', worktree);
  repo.write('src/w2.ts', 'w2\n', worktree);
  const leases = await withRepoStore(repo, async (store) => await listLeases(store));
  assert.deepEqual(
    leases.map((lease) => [lease.pattern, lease.worktree]),
    [
      ['src/w.ts', worktree],
      ['src/w2.ts', worktree],
    ],
    'repository-relative paths, the change in the -w worktree',
  );
  const denied = runHook('pre-tool-use', writeIn(MAIN, repo.root, 'src/w.ts'), { env });
  assert.match(
    denied.json?.hookSpecificOutput?.permissionDecisionReason ?? '',
    /src\/w\.ts is leased to another session[\s\S]*worktree \S+\/\.claude\/worktrees\/feat2 on worktree-feat2/,
  );

  // The main worktree's session: .claude/worktrees/ is none of its changes, nor a path it can lease.
  const afterCommand = runHook('post-tool-use', fixture('post-tool-use.bash', repo.root, MAIN, { cwd: repo.root }), { env });
  assert.equal(afterCommand.status, 0, afterCommand.stderr);
  const shell = runHook(
    'pre-tool-use',
    { ...fixture('pre-tool-use.bash', repo.root, MAIN), cwd: repo.root, tool_input: { command: 'touch .claude/worktrees/notes.txt' } },
    { env },
  );
  assert.deepEqual([shell.status, shell.stdout], [0, '']);
  assert.deepEqual(
    (await withRepoStore(repo, async (store) => await listLeases(store, { sessionId: MAIN }))).map((lease) => lease.pattern),
    [],
  );

  // The guard in the -w worktree, from its first commit: another session's file is refused, its own goes in.
  const holder = '5eed0000-1111-4aaa-8bbb-000000000002';
  assert.equal(runHook('pre-tool-use', writeIn(holder, repo.root, 'src/held.ts'), { env }).stdout, '');
  repo.write('src/held.ts', 'changed in the -w worktree\n', worktree);
  repo.git(['add', 'src/held.ts', 'src/w.ts'], worktree);
  const refused = repo.commit(['-q', '-m', 'w'], { cwd: worktree, env: { AGENT_LEASE_SESSION: W } });
  assert.equal(refused.status, 1, refused.stderr);
  assert.match(refused.stderr, /commit refused: 1 staged file is held by another session[\s\S]*src\/held\.ts/);
  repo.git(['reset', '-q', 'src/held.ts'], worktree);
  assert.equal(repo.commit(['-q', '-m', 'w'], { cwd: worktree, env: { AGENT_LEASE_SESSION: W } }).status, 0);

  // "Remove worktree" at the end of the session deletes the worktree and its branch: no
  // WorktreeRemove comes. The next decision that meets a lease on a change that lived there ends
  // it, and gc ends the rest. (A branch that stays would hold its committed change:
  // branch-holds-removed-worktree.test.ts.)
  repo.git(['worktree', 'remove', '--force', worktree]);
  repo.git(['branch', '-q', '-D', 'worktree-feat2']);
  assert.equal(runHook('pre-tool-use', writeIn(MAIN, repo.root, 'src/w.ts'), { env }).stdout, '', 'granted: the change is gone');
  const gc = runCli(['gc', '--json'], { cwd: repo.root, env });
  assert.equal(gc.status, 0, gc.stderr);
  assert.equal(JSON.parse(gc.stdout).reclaimed, 1, 'src/w2.ts');
  assert.deepEqual(
    (await withRepoStore(repo, async (store) => await listLeases(store))).map((lease) => [lease.pattern, lease.sessionId]),
    [
      ['src/held.ts', holder],
      ['src/w.ts', MAIN],
    ],
  );
});

test('WorktreeRemove (sent for worktrees a WorktreeCreate hook made) ends the leases on changes in that worktree', async (t) => {
  const repo = makeGuardRepo();
  t.after(() => repo.cleanup());
  const env = hookEnv(repo.env);
  const linked = repo.addWorktree('hook-made');
  const write = (path: string): HookInput =>
    fixture('pre-tool-use.write', linked, W, { cwd: linked, tool_input: { file_path: join(linked, path), content: 'x\n' } });
  assert.equal(runHook('pre-tool-use', write('src/a.ts'), { env }).stdout, '');
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, MAIN), { env }).stdout, '');
  // The fields every 2.1.332 hook input has, and the event's own (its schema in the binary).
  const input = { ...capturedInput('stop', repo.root), session_id: MAIN, hook_event_name: 'WorktreeRemove', worktree_path: linked };
  const removed = runHook('worktree-remove', input, { env });
  assert.deepEqual([removed.status, removed.stdout, removed.stderr], [0, '', '']);
  assert.deepEqual(
    (await withRepoStore(repo, async (store) => await listLeases(store))).map((lease) => [lease.pattern, lease.sessionId]),
    [['src/auth/login.ts', MAIN]],
    "only the removed worktree's leases end",
  );
});
