// Liveness across hosts (team mode), with two hosts played on one machine (AGENT_LEASE_TEST_HOST):
// a session's process is checked only on its own host; elsewhere it is alive while its heartbeat
// is fresh, and facts about its worktree (gone? a change pending?) are not asked where that
// worktree does not exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { HEARTBEAT_WINDOW_MS } from '../lib/core/heartbeat';
import { runCli } from './support/cli';
import { makeFaultRepo, type FaultRepo } from './support/faults';
import { fixture, runHook, startHookAgent, type HookAgent, type HookRun } from './support/hooks';

const A = 'session-on-host-a';
const B = 'session-on-host-b';
const C = 'another-session-on-host-a';

function onHost(repo: FaultRepo, host: string): NodeJS.ProcessEnv {
  return { ...repo.hookEnv, AGENT_LEASE_TEST_HOST: host };
}

function editInput(repo: FaultRepo, session: string, file: string): Record<string, unknown> {
  return fixture('pre-tool-use.write', repo.root, session, { tool_input: { file_path: join(repo.root, file), content: 'x\n' } });
}

function edit(repo: FaultRepo, host: string, session: string, file: string): HookRun {
  return runHook('pre-tool-use', editInput(repo, session, file), { env: onHost(repo, host), cwd: repo.root });
}

function denied(run: HookRun): boolean {
  return run.json?.hookSpecificOutput?.permissionDecision === 'deny';
}

/** Changes the store as time and another machine would: `sql` run on the hooks' SQLite store. */
function alter(repo: FaultRepo, sql: string, ...params: unknown[]): void {
  const db = new Database(join(repo.storeDir, 'state.db'));
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

async function startOnHostA(repo: FaultRepo, t: { after(fn: () => unknown): void }): Promise<HookAgent> {
  const agent = startHookAgent(onHost(repo, 'host-a'));
  t.after(() => agent.kill());
  assert.equal((await agent.run('session-start', fixture('session-start.startup', repo.root, A))).status, 0);
  assert.equal((await agent.run('pre-tool-use', editInput(repo, A, 'src/held.ts'))).stdout, '');
  return agent;
}

function sessionAlive(repo: FaultRepo, host: string, id: string): boolean {
  const status = runCli(['status', '--json'], { cwd: repo.root, env: onHost(repo, host) });
  assert.equal(status.status, 0, status.stderr);
  return (JSON.parse(status.stdout) as { sessions: Array<{ id: string; alive: boolean }> }).sessions.find((session) => session.id === id)!.alive;
}

test("another host's session is alive while its heartbeat is fresh; its process is checked only on its own host", async (t) => {
  const repo = makeFaultRepo(t);
  const agent = await startOnHostA(repo, t);
  assert.ok(denied(edit(repo, 'host-b', B, 'src/held.ts')), 'held across hosts');

  await agent.kill();
  assert.equal(sessionAlive(repo, 'host-b', A), true, 'host b cannot see the process: the fresh heartbeat stands for it');
  assert.ok(denied(edit(repo, 'host-b', B, 'src/held.ts')), 'still held, seen from host b');
  assert.equal(sessionAlive(repo, 'host-a', A), false, 'on its own host the process is seen gone');
  const taken = edit(repo, 'host-a', C, 'src/held.ts');
  assert.deepEqual([taken.status, taken.stdout], [0, ''], 'taken over at once on host a');
});

test('a heartbeat older than the window: the session counts as gone elsewhere, and its lease is taken over', async (t) => {
  const repo = makeFaultRepo(t);
  await startOnHostA(repo, t);
  alter(repo, 'UPDATE sessions SET last_seen_at = last_seen_at - ? WHERE id = ?', HEARTBEAT_WINDOW_MS + 60_000, A);
  assert.equal(sessionAlive(repo, 'host-b', A), false);
  assert.equal(sessionAlive(repo, 'host-a', A), true, 'its own host still sees the process running');
  const taken = edit(repo, 'host-b', B, 'src/held.ts');
  assert.deepEqual([taken.status, taken.stdout], [0, '']);
  const log = runCli(['log', '--json'], { cwd: repo.root, env: onHost(repo, 'host-b') });
  assert.match(log.stdout, /"holder-dead"/);
});

test("another host's worktree is not this host's to judge: a path missing here is not a removed worktree, an expired lease of a live holder stands", async (t) => {
  const repo = makeFaultRepo(t);
  await startOnHostA(repo, t);
  // As recorded on host a's own disk: a path that does not exist on this one.
  alter(repo, "UPDATE leases SET worktree = '/home/alice/app' WHERE session_id = ?", A);
  alter(repo, "UPDATE sessions SET worktree = '/home/alice/app' WHERE id = ?", A);
  assert.ok(denied(edit(repo, 'host-b', B, 'src/held.ts')), 'not taken for a removed worktree');

  // Expired, its holder heartbeating: host b cannot ask host a's git whether the change is pending, so it stands.
  alter(repo, 'UPDATE leases SET expires_at = ? WHERE session_id = ?', Date.now() - 1000, A);
  assert.ok(denied(edit(repo, 'host-b', B, 'src/held.ts')), 'an expired lease of a heartbeating holder stands');
  const log = runCli(['log', '--json'], { cwd: repo.root, env: onHost(repo, 'host-b') });
  assert.match(log.stdout, /"change pending"/, 'renewed on its behalf, and logged');
});
