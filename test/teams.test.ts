// Agent Teams: teammates are separate sessions, often in one worktree, and with teammateMode
// "in-process" (Claude Code 2.1.332) they share one claude process. A team of three sessions in
// one worktree, every hook run from one process (the stand-in for that claude), with the inputs
// Claude Code 2.1.332 sends: nothing may assume one session per worktree or per process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { listLeases } from '../lib/core/lease-queries';
import { identify } from '../lib/core/processes';
import { agentSessionOf, registerSession } from '../lib/core/sessions';
import { openStore } from '../lib/core/sqlite';
import { makeFaultRepo } from './support/faults';
import { capturedInput, startHookAgent, withRepoStore, type HookInput } from './support/hooks';

const [T1, T2, T3] = ['11110000-1111-4aaa-8bbb-000000000001', '22220000-2222-4aaa-8bbb-000000000002', '33330000-3333-4aaa-8bbb-000000000003'];

test('a team of three sessions in one worktree and one process: edits, shell changes, turn ends and commits are each its own', async (t) => {
  const repo = makeFaultRepo(t);
  const claude = startHookAgent(repo.hookEnv);
  t.after(() => claude.kill());
  const as = (sessionId: string, name: string, overrides: HookInput = {}): HookInput => ({
    ...capturedInput(name, repo.root),
    session_id: sessionId,
    ...overrides,
  });
  const write = (sessionId: string, path: string) =>
    claude.run('pre-tool-use', as(sessionId, 'pre-tool-use.write', { tool_input: { file_path: join(repo.root, path), content: 'x\n' } }));
  const holders = async (): Promise<Array<[string, string]>> =>
    await withRepoStore(repo, async (store) => (await listLeases(store)).map((lease): [string, string] => [lease.pattern, lease.sessionId]));

  for (const id of [T1, T2, T3]) assert.equal((await claude.run('session-start', as(id, 'session-start.startup'))).status, 0);
  assert.equal((await write(T1, 'src/a.ts')).stdout, '');
  repo.write('src/a.ts', 'T1 works on a\n');
  assert.equal((await write(T2, 'src/b.ts')).stdout, '');
  repo.write('src/b.ts', 'T2 works on b\n');
  const denied = await write(T3, 'src/a.ts');
  assert.match(denied.json?.hookSpecificOutput?.permissionDecisionReason ?? '', /src\/a\.ts is leased to another session[\s\S]*\n- 11110000 \(/);

  // T2's command makes src/gen.ts; T1's pending src/a.ts (changed before the command) is not T2's.
  utimesSync(join(repo.root, 'src/a.ts'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  repo.write('src/gen.ts', 'generated\n');
  const after = await claude.run('post-tool-use', { ...as(T2, 'post-tool-use.bash'), duration_ms: 500 });
  assert.deepEqual([after.status, after.stdout], [0, ''], 'nothing reported: T1’s change is not blamed on T2');
  assert.deepEqual((await holders()).sort(), [
    ['src/a.ts', T1],
    ['src/b.ts', T2],
    ['src/gen.ts', T2],
  ]);

  // T2 commits its own file (guard: its own lease); T3 committing T1's file is refused.
  repo.git(['add', 'src/b.ts']);
  assert.equal(repo.commit(['-q', '-m', 'b'], { env: { AGENT_LEASE_SESSION: T2 } }).status, 0);
  repo.git(['add', 'src/a.ts']);
  const refused = repo.commit(['-q', '-m', 'a'], { env: { AGENT_LEASE_SESSION: T3 } });
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /src\/a\.ts\n {4}11110000 .*holds src\/a\.ts/);
  repo.git(['reset', '-q', 'src/a.ts']);

  // T2's turn ends: its committed file is released; T1's pending one and T2's own pending one stay.
  assert.equal((await claude.run('stop', as(T2, 'stop'))).status, 0);
  assert.deepEqual((await holders()).sort(), [
    ['src/a.ts', T1],
    ['src/gen.ts', T2],
  ]);

  // /clear in T1: only T1's leases move to its new id, though all three share the process.
  const T1b = '1111000b-1111-4aaa-8bbb-0000000000b1';
  await claude.run('session-end', as(T1, 'session-end.clear'));
  await claude.run('session-start', as(T1b, 'session-start.clear'));
  assert.deepEqual((await holders()).sort(), [
    ['src/a.ts', T1b],
    ['src/gen.ts', T2],
  ]);
});

test('several open sessions of one process: the process alone names none of them (no guess at who commits)', async (t) => {
  const repo = makeFaultRepo(t);
  const store = openStore({ path: join(repo.storeDir, 'state.db') });
  t.after(async () => await store.close());
  const process_ = identify(process.pid)!;
  await registerSession(store, { id: T1, runtime: 'claude-code', process: process_ });
  assert.equal((await agentSessionOf(store, [process_]))?.id, T1);
  await registerSession(store, { id: T2, runtime: 'claude-code', process: process_ });
  assert.equal(await agentSessionOf(store, [process_]), null);
});
