// The resident MCP server's heartbeat: while its agent (the server's parent process) runs, the
// agent's open sessions are seen on a timer, so that other hosts count them alive through long
// gaps between hooks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { identify } from '../lib/core/processes';
import { endSession, getSession, registerSession } from '../lib/core/sessions';
import { run } from '../lib/core/store';
import { startHeartbeat } from '../mcp/heartbeat';
import { makeStore, startAgent } from './support/store';

test("the heartbeat bumps the open sessions of the server's agent process, and no one else's", async (t) => {
  const { store, cleanup } = makeStore();
  t.after(cleanup);
  const other = startAgent();
  t.after(() => other.kill());
  const agent = identify(process.ppid)!;
  await registerSession(store, { id: 'agent-session', runtime: 'claude-code', process: agent });
  await registerSession(store, { id: 'ended-session', runtime: 'claude-code', process: agent });
  await endSession(store, 'ended-session');
  await registerSession(store, { id: 'other-agent', runtime: 'claude-code', process: other.identity });
  const long = 3_600_000;
  await store.write(() => run('UPDATE sessions SET last_seen_at = last_seen_at - ?', long));
  const before = Object.fromEntries(
    await Promise.all(['agent-session', 'ended-session', 'other-agent'].map(async (id) => [id, (await getSession(store, id))!.lastSeenAt.getTime()])),
  );

  const stop = startHeartbeat(() => store, 20);
  await sleep(200);
  stop();
  const after = async (id: string): Promise<number> => (await getSession(store, id))!.lastSeenAt.getTime();
  assert.ok((await after('agent-session')) >= before['agent-session']! + long, 'seen again, at the store clock');
  assert.equal(await after('ended-session'), before['ended-session'], 'an ended session stays ended');
  assert.equal(await after('other-agent'), before['other-agent'], "another agent's session is its own to keep");
});
