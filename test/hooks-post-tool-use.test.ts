import { test } from 'node:test';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { acquire } from '../lib/core/acquire';
import { readEvents } from '../lib/core/events';
import { listLeases } from '../lib/core/lease-queries';
import { registerSession } from '../lib/core/sessions';
import { MAX_LEASES_PER_COMMAND } from '../lib/decisions/shell-changes';
import { fixture, hookEnv, runHook, tempRepo, withRepoStore } from './support/hooks';

const A = '9d3c1f7e-1111-4a2b-9c1d-0a1b2c3d4e5f';

test('files a Bash command changed are leased to the session, except ignored ones and those it already holds', async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  repo.write('src/util.ts', 'before\n');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'base']);
  runHook('session-start', fixture('session-start.startup', repo.root, A), { env });
  await withRepoStore(repo, async (store) => assert.equal((await acquire(store, A, ['docs/**'], { task: 'docs' })).ok, true));
  // What `sed -i … src/util.ts && npm install && make docs` might leave behind:
  repo.write('src/util.ts', 'after\n');
  repo.write('src/generated/new file.ts', 'new\n');
  repo.write('package-lock.json', '{}\n');
  repo.write('docs/guide.md', 'guide\n');

  const run = runHook('post-tool-use', fixture('post-tool-use.bash', repo.root, A), { env });
  assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', '']);
  const leases = await withRepoStore(repo, async (store) => (await listLeases(store, { sessionId: A })).map((lease) => `${lease.pattern} ${lease.source}`));
  assert.deepEqual(leases.sort(), ['docs/** claim', 'src/generated/new file.ts edit', 'src/util.ts edit']);
});

test('a command that changed a file another session holds is reported to the model and the user; the rest is leased', async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  const worktreeB = repo.addWorktree('wt-b', 'feature-b');
  await withRepoStore(repo, async (store) => {
    await registerSession(store, { id: 'bob', runtime: 'cli', worktree: worktreeB, branch: 'feature-b' });
    assert.equal((await acquire(store, 'bob', ['src/auth/**'], { task: 'auth rewrite' })).ok, true);
  });
  repo.write('src/auth/login.ts', 'changed by a command\n');
  repo.write('src/free.ts', 'free\n');

  const run = runHook('post-tool-use', fixture('post-tool-use.bash', repo.root, A), { env });
  assert.equal(run.status, 0);
  assert.equal(run.json?.hookSpecificOutput?.hookEventName, 'PostToolUse');
  const context = run.json?.hookSpecificOutput?.additionalContext ?? '';
  assert.match(context, /uncommitted changes to a file that another session holds/);
  assert.match(context, /- src\/auth\/login\.ts: bob \(task "auth rewrite", worktree .*wt-b on feature-b\) holds src\/auth\/\*\* exclusively/);
  assert.match(context, /A hook cannot undo a command/);
  assert.match(run.json?.systemMessage ?? '', /a Bash command changed src\/auth\/login\.ts, held by another session/);
  assert.deepEqual(await withRepoStore(repo, async (store) => (await listLeases(store, { sessionId: A })).map((lease) => lease.pattern)), ['src/free.ts']);

  // A command that failed gets the same answer, under its own event name.
  repo.write('src/auth/session.ts', 'changed by a failed command\n');
  const { tool_response: _response, ...failed } = fixture('post-tool-use.bash', repo.root, A, { hook_event_name: 'PostToolUseFailure', error: 'Exit code 1' });
  const afterFailure = runHook('post-tool-use', failed, { env });
  assert.equal(afterFailure.json?.hookSpecificOutput?.hookEventName, 'PostToolUseFailure');
  assert.match(afterFailure.json?.hookSpecificOutput?.additionalContext ?? '', /- src\/auth\/session\.ts: bob/);
});

test("a Bash command is never blamed for another session's work: what was pending before it ran is neither leased nor reported, a change is reported once, and restoring is never advised", async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  repo.write('src/a.ts', 'base\n');
  repo.write('src/person.ts', 'base\n');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'base']);
  // Session alice works in the same worktree: she edited src/a.ts a minute ago (and holds it); a
  // person left src/person.ts changed.
  await withRepoStore(repo, async (store) => {
    await registerSession(store, { id: 'alice', runtime: 'cli', worktree: repo.root, branch: 'main' });
    assert.equal((await acquire(store, 'alice', ['src/a.ts'], { source: 'edit', exact: true })).ok, true);
  });
  const minuteAgo = new Date(Date.now() - 60_000);
  for (const file of ['src/a.ts', 'src/person.ts']) {
    repo.write(file, 'changed before\n');
    utimesSync(join(repo.root, file), minuteAgo, minuteAgo);
  }
  const bash = (durationMs?: number) =>
    runHook('post-tool-use', fixture('post-tool-use.bash', repo.root, A, durationMs === undefined ? {} : { duration_ms: durationMs }), { env });
  const denials = async () => await withRepoStore(repo, async (store) => (await readEvents(store, { sessionId: A, kinds: ['deny'] })).length);

  // `ls`, 40 ms: it changed nothing.
  assert.deepEqual([bash(40).status, bash(40).stdout], [0, '']);
  // Not told how long it ran, with another session in the worktree: nothing can be credited to it.
  assert.deepEqual([bash().status, bash().stdout], [0, '']);
  assert.deepEqual(await withRepoStore(repo, async (store) => (await listLeases(store, { sessionId: A })).map((lease) => lease.pattern)), []);
  assert.equal(await denials(), 0);

  // Now a command of this session does change alice's file: said once, and never "restore it".
  repo.write('src/a.ts', 'changed by the command\n');
  const first = bash(300);
  const context = first.json?.hookSpecificOutput?.additionalContext ?? '';
  assert.match(context, /- alice .*holds src\/a\.ts exclusively/);
  assert.match(context, /tell the user/);
  assert.doesNotMatch(context, /git restore|git checkout|put the files back/);
  for (let i = 0; i < 3; i++) {
    repo.write('src/a.ts', `changed again ${i}\n`);
    const later = bash(300);
    assert.deepEqual([later.status, later.stdout], [0, ''], 'the same file, the same holder: said already');
  }
  assert.equal(await denials(), 1, 'one deny logged');
});

test('a command that changed very many files leases the first ones and says how many it left', async (t) => {
  const repo = tempRepo(t);
  const count = MAX_LEASES_PER_COMMAND + 5;
  for (let i = 0; i < count; i++) repo.write(`generated/file-${String(i).padStart(4, '0')}.ts`, 'x\n');
  const run = runHook('post-tool-use', fixture('post-tool-use.bash', repo.root, A), { env: hookEnv(repo.env) });
  assert.equal(run.json?.systemMessage, `agent-lease: 5 more changed files were not leased (at most ${MAX_LEASES_PER_COMMAND} per command)`);
  assert.equal(await withRepoStore(repo, async (store) => (await listLeases(store, { sessionId: A })).length), MAX_LEASES_PER_COMMAND);
});

test('other tools are not looked at after they ran', (t) => {
  const repo = tempRepo(t);
  repo.write('src/auth/login.ts', 'changed\n');
  const run = runHook('post-tool-use', fixture('post-tool-use.edit', repo.root, A), { env: hookEnv(repo.env) });
  assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', '']);
});
