// The resident server's checkpoints (lib/core/sqlite-checkpointer.ts), made on a thread of their
// own so that their fsyncs never hold up the next call: a lease granted through the hook tool still
// reaches the main database file (what a backup copying state.db alone keeps) while the server
// runs, the thread never keeps the server alive once its client has gone, and when the thread
// cannot run, the checkpoints are made on the main thread.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { mcpHookInput } from '../lib/claude/hook-commands';
import { acquire } from '../lib/core/acquire';
import { registerSession } from '../lib/core/sessions';
import { deferCheckpoints, openStore } from '../lib/core/sqlite';
import { CHECKPOINT_QUIET_MS, checkpointOffThread } from '../lib/core/sqlite-checkpointer';
import { BIN, hookEnv, tempRepo } from './support/hooks';
import type { TempRepo } from './support/git-repo';
import { interpolate, startMcpServer } from './support/mcp';

const SESSION = 'checkpointed-session';

function storePath(repo: TempRepo): string {
  return join(repo.root, '.git', 'agent-lease', 'state.db');
}

/** The live leases a copy of the main database file alone holds (its -wal left behind). */
function leasesInMainFile(repo: TempRepo): string[] {
  if (!existsSync(storePath(repo))) return [];
  const copy = join(repo.base, 'copy.db');
  copyFileSync(storePath(repo), copy);
  const db = new Database(copy, { readonly: true });
  try {
    return (db.prepare('SELECT pattern FROM leases WHERE released_at IS NULL').all() as Array<{ pattern: string }>).map((row) => row.pattern);
  } catch {
    return [];
  } finally {
    db.close();
  }
}

/** Waits until the main file holds `pattern`; fails after a generous deadline (a slow machine is no failure). */
async function untilInMainFile(repo: TempRepo, pattern: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!leasesInMainFile(repo).includes(pattern)) {
    assert.ok(Date.now() < deadline, `${pattern} never reached ${storePath(repo)}: no checkpoint was made`);
    await sleep(50);
  }
}

function writeArgs(repo: TempRepo, file: string): Record<string, unknown> {
  const input = {
    session_id: SESSION,
    cwd: repo.root,
    hook_event_name: 'PreToolUse',
    tool_name: 'Write',
    tool_input: { file_path: join(repo.root, file), content: 'export {};\n' },
  };
  return interpolate(mcpHookInput('pre-tool-use'), input);
}

function serverEnv(repo: TempRepo): NodeJS.ProcessEnv {
  return { ...hookEnv(repo.env), CLAUDE_CODE_SESSION_ID: SESSION };
}

test('a lease granted through the hook tool reaches the main database file while the server runs', async (t: TestContext) => {
  const repo = tempRepo(t);
  const mcp = await startMcpServer(repo.root, serverEnv(repo));
  t.after(() => mcp.close());
  assert.deepEqual(await mcp.call('hook', writeArgs(repo, 'src/first.ts')), { isError: false, text: '{}' });
  await untilInMainFile(repo, 'src/first.ts');
  // The next grant's checkpoint is made too (the thread is started once and asked again).
  assert.deepEqual(await mcp.call('hook', writeArgs(repo, 'src/second.ts')), { isError: false, text: '{}' });
  await untilInMainFile(repo, 'src/second.ts');
});

test('the checkpoint thread does not keep the server alive once its client closes stdin, and no checkpoint asked for is lost', async (t: TestContext) => {
  const repo = tempRepo(t);
  const clean = Object.fromEntries(Object.entries(serverEnv(repo)).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const server = spawn(process.execPath, [BIN, 'mcp'], { cwd: repo.root, env: clean, stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => server.kill('SIGKILL'));
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
  let out = '';
  const answered = new Promise<void>((resolve) =>
    server.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('"id":2')) resolve();
    }),
  );
  for (const message of [
    { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } } },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'hook', arguments: writeArgs(repo, 'src/new.ts') } },
  ]) {
    server.stdin.write(`${JSON.stringify(message)}\n`);
  }
  await answered;
  // Another connection uses the store meanwhile, as other sessions' hooks would: the server's
  // connection closing at exit is then not the last, which would copy the WAL by itself.
  const other = new Database(storePath(repo));
  t.after(() => other.close());
  other.prepare('SELECT count(*) FROM leases').get();
  // At once, while the checkpoint asked for still waits for the calls to pause.
  server.stdin.end();
  const code = await Promise.race([exited, sleep(30_000, 'still running', { ref: false })]);
  assert.equal(code, 0, 'the server exits by itself');
  assert.deepEqual(leasesInMainFile(repo), ['src/new.ts'], 'the lease reached the main file before the server exited');
});

test('when the checkpoint thread cannot run, the checkpoints are made on the main thread', async (t: TestContext) => {
  const repo = tempRepo(t);
  const store = openStore({ path: storePath(repo) });
  t.after(() => store.close());
  deferCheckpoints(checkpointOffThread(join(repo.base, 'no-such-thread.js')).request);
  await registerSession(store, { id: SESSION, runtime: 'cli' });
  assert.equal((await acquire(store, SESSION, ['src/a.ts'])).ok, true);
  await untilInMainFile(repo, 'src/a.ts');
  // And still after the thread is known not to run.
  assert.equal((await acquire(store, SESSION, ['src/b.ts'])).ok, true);
  await untilInMainFile(repo, 'src/b.ts');
});

test('a burst of new leases gets one checkpoint, made once the burst pauses', async (t: TestContext) => {
  const repo = tempRepo(t);
  const store = openStore({ path: storePath(repo) });
  t.after(() => store.close());
  // A thread that counts the requests it is sent, and makes no checkpoint.
  const counter = join(repo.base, 'counting-thread.js');
  const count = join(repo.base, 'requests');
  writeFileSync(
    counter,
    `const { parentPort } = require('node:worker_threads');
     const { appendFileSync } = require('node:fs');
     parentPort.on('message', ({ path }) => { appendFileSync(${JSON.stringify(count)}, 'x'); parentPort.postMessage(path); });`,
  );
  const requests = () => (existsSync(count) ? readFileSync(count, 'utf8').length : 0);
  deferCheckpoints(checkpointOffThread(counter).request);
  t.after(() => deferCheckpoints(checkpointOffThread().request));
  await registerSession(store, { id: SESSION, runtime: 'cli' });
  const burst = Date.now();
  for (let i = 0; i < 10; i++) assert.equal((await acquire(store, SESSION, [`src/f${i}.ts`])).ok, true);
  const burstMs = Date.now() - burst;
  await sleep(CHECKPOINT_QUIET_MS + 1000);
  // A burst slower than the quiet time (a loaded machine) may be cut in two: never one per lease.
  assert.ok(requests() >= 1 && requests() <= Math.max(1, Math.ceil(burstMs / CHECKPOINT_QUIET_MS)), `${requests()} requests for 10 leases in ${burstMs} ms`);
  if (burstMs < CHECKPOINT_QUIET_MS) assert.equal(requests(), 1);
});
