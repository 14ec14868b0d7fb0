import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquire } from '../lib/core/acquire';
import { listLeases } from '../lib/core/lease-queries';
import type { TempRepo } from './support/git-repo';
import { fixture, hookEnv, runHook, tempRepo, withRepoStore } from './support/hooks';

const A = '9d3c1f7e-1111-4a2b-9c1d-0a1b2c3d4e5f';

/** Session A edits `paths` through the PreToolUse hook and writes them. */
function edit(repo: TempRepo, env: NodeJS.ProcessEnv, paths: string[]): void {
  for (const path of paths) {
    const file = join(repo.root, path);
    const run = runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A, { tool_input: { file_path: file, content: 'x' } }), { env });
    assert.equal(run.stdout, '', `lease on ${path}`);
    repo.write(path, `edited ${path}\n`);
  }
}

test('at the end of a turn, edit leases on committed or reverted files are released; pending ones are kept and renewed', async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  repo.write('src/reverted.ts', 'original\n');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'base']);
  edit(repo, env, ['src/committed.ts', 'src/new-untracked.ts', 'src/reverted.ts']);
  repo.write('src/pending.ts', 'pending\n');
  repo.git(['add', 'src/committed.ts']);
  repo.git(['commit', '-q', '-m', 'commit one']);
  repo.git(['checkout', '--', 'src/reverted.ts']);
  await withRepoStore(repo, async (store) => {
    assert.equal((await acquire(store, A, ['src/pending.ts'], { source: 'edit', exact: true, ttlMs: 60_000 })).ok, true);
    assert.equal((await acquire(store, A, ['docs/**'], { task: 'docs' })).ok, true);
  });

  const run = runHook('stop', fixture('stop', repo.root, A), { env });
  assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', '']);
  const leases = await withRepoStore(repo, async (store) => await listLeases(store, { sessionId: A }));
  assert.deepEqual(leases.map((lease) => lease.pattern).sort(), ['docs/**', 'src/new-untracked.ts', 'src/pending.ts'], 'claims are left alone');
  const pending = leases.find((lease) => lease.pattern === 'src/pending.ts')!;
  assert.ok(pending.expiresAt.getTime() - Date.now() > 10 * 60_000, 'renewed to the edit TTL');
});

test('stop never blocks, also when Claude Code is already continuing because of a Stop hook', (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  edit(repo, env, ['src/a.ts']);
  const run = runHook('stop', fixture('stop', repo.root, A, { stop_hook_active: true }), { env });
  assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', '']);
});

test('when git cannot list the pending changes, the leases are kept and the user is told', async (t) => {
  const repo = tempRepo(t);
  edit(repo, hookEnv(repo.env), ['src/a.ts']);
  repo.git(['checkout', '--', '.']);
  const run = runHook('stop', fixture('stop', repo.root, A), { env: hookEnv(repo.env, { PATH: join(repo.base, 'no-git-here') }) });
  assert.equal(run.status, 0);
  assert.match(run.json?.systemMessage ?? '', /could not list the worktree's pending changes .*edit leases were kept/);
  assert.deepEqual(await withRepoStore(repo, async (store) => (await listLeases(store, { sessionId: A })).map((lease) => lease.pattern)), ['src/a.ts']);
});

test('stop brings .agent-locks/ in line with the store, in every worktree, and takes a dropped claim', (t) => {
  const repo = tempRepo(t);
  const linked = repo.addWorktree('wt-b', 'feature-b');
  const env = hookEnv(repo.env);
  edit(repo, env, ['src/a.ts']);
  repo.write('.agent-locks/dana.json', JSON.stringify({ agent: 'dana', task: 'docs pass', files: ['docs/**'] }));

  const run = runHook('stop', fixture('stop', repo.root, A), { env });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.json?.systemMessage ?? '', /took .*dana\.json as a claim by dana on docs\/\*\*/);
  for (const root of [repo.root, linked]) {
    const records = readdirSync(join(root, '.agent-locks')).map(
      (name) => JSON.parse(readFileSync(join(root, '.agent-locks', name), 'utf8')) as { files: string[] },
    );
    assert.deepEqual(records.flatMap((record) => record.files).sort(), ['docs/**', 'src/a.ts'], root);
  }
  assert.equal(repo.git(['status', '--porcelain', '--', '.agent-locks']), '', 'the view is ignored by git');
});
