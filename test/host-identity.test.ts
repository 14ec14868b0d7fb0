// A host is known by what makes its pids its own (lib/core/host.ts): on Linux the boot and the pid
// namespace, not the host name. A session whose process has died is seen dead where its pid means
// that process (the same identity, whatever the name), and counts by its heartbeat anywhere else
// (another identity, even under the same name). Rows recorded before identities were are judged by
// their host name, as then. Played out on the hooks' SQLite store, and with real namespaces
// (unshare) where this machine allows them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { currentHostId } from '../lib/core/host';
import { BIN } from './support/cli';
import { makeFaultRepo, type FaultRepo } from './support/faults';
import { fixture, startHookAgent } from './support/hooks';

const SESSION = 'session-of-a-dead-agent';

/** A session whose agent process ran its hooks here and has died since: its heartbeat is fresh. */
async function deadSession(repo: FaultRepo, t: { after(fn: () => unknown): void }): Promise<void> {
  const agent = startHookAgent(repo.hookEnv);
  t.after(() => agent.kill());
  assert.equal((await agent.run('session-start', fixture('session-start.startup', repo.root, SESSION))).status, 0);
  await agent.kill();
}

function alter(repo: FaultRepo, sql: string, ...params: Array<string | null>): void {
  const db = new Database(join(repo.storeDir, 'state.db'));
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

function hostColumns(repo: FaultRepo): { host: string; host_id: string | null } {
  const db = new Database(join(repo.storeDir, 'state.db'), { readonly: true });
  try {
    return db.prepare('SELECT host, host_id FROM sessions WHERE id = ?').get(SESSION) as { host: string; host_id: string | null };
  } finally {
    db.close();
  }
}

/** Whether `status`, run through `prefix` (a command that runs the rest), sees the session alive. */
function aliveSeenBy(repo: FaultRepo, prefix: string[] = []): boolean {
  const command = [...prefix, process.execPath, BIN, 'status', '--json'];
  const result = spawnSync(command[0]!, command.slice(1), { cwd: repo.root, env: repo.hookEnv, encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  return (JSON.parse(result.stdout) as { sessions: Array<{ id: string; alive: boolean }> }).sessions.find((session) => session.id === SESSION)!.alive;
}

test("on Linux a host's identity is its boot id and pid namespace; the name is kept beside it for people", {
  skip: process.platform !== 'linux',
}, async (t) => {
  const expected = `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}/${readlinkSync('/proc/self/ns/pid')}`;
  assert.equal(currentHostId(), expected);
  const repo = makeFaultRepo(t);
  await deadSession(repo, t);
  assert.deepEqual(hostColumns(repo), { host: hostname(), host_id: expected });
});

test('the same host name with another identity is not checked by pid; the same identity under another name is', async (t) => {
  const repo = makeFaultRepo(t);
  await deadSession(repo, t);
  const own = hostColumns(repo);
  assert.equal(aliveSeenBy(repo), false, 'its own host sees the process gone');

  alter(repo, 'UPDATE sessions SET host_id = ? WHERE id = ?', 'another-boot/pid:[4026531836]', SESSION);
  assert.equal(aliveSeenBy(repo), true, 'a twin with this host name: its pid is not ours to check, its fresh heartbeat stands');

  alter(repo, 'UPDATE sessions SET host = ?, host_id = ? WHERE id = ?', 'renamed-container', own.host_id, SESSION);
  assert.equal(aliveSeenBy(repo), false, 'the same boot and pid namespace under another name: checked by pid, gone');
});

test('a session recorded before host identities is judged by its host name, until it registers again', async (t) => {
  const repo = makeFaultRepo(t);
  await deadSession(repo, t);
  alter(repo, 'UPDATE sessions SET host_id = NULL WHERE id = ?', SESSION);
  assert.equal(aliveSeenBy(repo), false, 'this host name: checked by pid');
  alter(repo, 'UPDATE sessions SET host = ? WHERE id = ?', 'another-machine', SESSION);
  assert.equal(aliveSeenBy(repo), true, 'another host name: by its heartbeat');
});

const NO_UNSHARE = ((): string | false => {
  if (process.platform !== 'linux') return 'namespaces are Linux';
  const probe = spawnSync('unshare', ['--pid', '--fork', '--uts', 'true'], { stdio: 'ignore' });
  return probe.status === 0 ? false : 'unshare --pid --uts is not allowed here (needs CAP_SYS_ADMIN)';
})();

test('real namespaces: from another pid namespace the session counts by its heartbeat; under another host name in this one its pid is checked', {
  skip: NO_UNSHARE,
}, async (t) => {
  const repo = makeFaultRepo(t);
  await deadSession(repo, t);
  assert.equal(aliveSeenBy(repo, ['unshare', '--pid', '--fork']), true, 'same host name, another pid namespace');
  assert.equal(
    aliveSeenBy(repo, ['unshare', '--uts', 'sh', '-c', 'hostname renamed-container && exec "$@"', 'sh']),
    false,
    'another host name, same pid namespace',
  );
});
