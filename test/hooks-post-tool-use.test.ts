import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { acquire, listLeases } from '../lib/leases';
import { registerSession } from '../lib/sessions';
import { openStore, type Store } from '../lib/store';
import { makeRepo, type TempRepo } from './support/git-repo';
import { fixture, hookEnv, runHook } from './support/hooks';

const A = '9d3c1f7e-1111-4a2b-9c1d-0a1b2c3d4e5f';

function withStore<T>(repo: TempRepo, use: (store: Store) => T): T {
  const store = openStore({ path: join(repo.root, '.git', 'agent-lease', 'state.db') });
  try {
    return use(store);
  } finally {
    store.close();
  }
}

test('files a Bash command changed are leased to the session, except ignored ones and those it already holds', () => {
  const repo = makeRepo();
  try {
    const env = hookEnv(repo.env);
    repo.write('src/util.ts', 'before\n');
    repo.git(['add', '.']);
    repo.git(['commit', '-q', '-m', 'base']);
    runHook('session-start', fixture('session-start.startup', repo.root, A), { env });
    withStore(repo, (store) => assert.equal(acquire(store, A, ['docs/**'], { task: 'docs' }).ok, true));
    // What `sed -i … src/util.ts && npm install && make docs` might leave behind:
    repo.write('src/util.ts', 'after\n');
    repo.write('src/generated/new file.ts', 'new\n');
    repo.write('package-lock.json', '{}\n');
    repo.write('docs/guide.md', 'guide\n');

    const run = runHook('post-tool-use', fixture('post-tool-use.bash', repo.root, A), { env });
    assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', '']);
    withStore(repo, (store) => {
      const leases = listLeases(store, { sessionId: A }).map((lease) => `${lease.pattern} ${lease.source}`);
      assert.deepEqual(leases.sort(), ['docs/** claim', 'src/generated/new file.ts edit', 'src/util.ts edit']);
    });
  } finally {
    repo.cleanup();
  }
});

test('a command that changed a file another session holds is reported to the model and the user; the rest is leased', () => {
  const repo = makeRepo();
  try {
    const env = hookEnv(repo.env);
    const worktreeB = repo.addWorktree('wt-b', 'feature-b');
    withStore(repo, (store) => {
      registerSession(store, { id: 'bob', runtime: 'cli', worktree: worktreeB, branch: 'feature-b' });
      assert.equal(acquire(store, 'bob', ['src/auth/**'], { task: 'auth rewrite' }).ok, true);
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
    withStore(repo, (store) => assert.deepEqual(listLeases(store, { sessionId: A }).map((lease) => lease.pattern), ['src/free.ts']));
  } finally {
    repo.cleanup();
  }
});

test('other tools are not looked at after they ran', () => {
  const repo = makeRepo();
  try {
    repo.write('src/auth/login.ts', 'changed\n');
    const run = runHook('post-tool-use', fixture('post-tool-use.edit', repo.root, A), { env: hookEnv(repo.env) });
    assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', '']);
  } finally {
    repo.cleanup();
  }
});
