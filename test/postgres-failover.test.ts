// Failing over: a primary with a synchronous streaming standby, and a store URL that lists both
// (`postgres://agent@primary,standby/postgres`). The primary crashes; while no server takes writes
// the hooks answer by themselves, in one line, with the configured behaviour; once the standby is
// promoted, every lease committed on the primary is there, for new hook processes and for a store
// that stayed open across the failover (the resident MCP server's case).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { acquire } from '../lib/core/acquire';
import { registerSession } from '../lib/core/sessions';
import { openPostgresStore } from '../lib/postgres/store';
import { UNREACHABLE_FOR_MS } from '../lib/postgres/unreachable';
import type { CliRepo } from './support/cli';
import { fixture, hookEnv, runHook, type HookRun } from './support/hooks';
import { NO_POSTGRES, POSTGRES_USER, startPostgres, startStandby } from './support/postgres';
import { teamRepo } from './support/team-repo';

const A = 'a0000000-0000-4000-8000-00000000000a';
const B = 'b0000000-0000-4000-8000-00000000000b';
const FILES = Array.from({ length: 8 }, (_, i) => `src/f${i}.ts`);

/** `order`: which server the URL names first (a client must pass over a standby to find the primary). */
async function replicated(t: TestContext, order: 'primary first' | 'standby first') {
  // A commit returns once the standby has flushed it: what makes "committed" survive the failover.
  const primary = await startPostgres(["synchronous_standby_names='*'"]);
  t.after(() => primary.stop());
  const standby = await startStandby(primary);
  t.after(() => standby.stop());
  const ports = order === 'primary first' ? [primary.port, standby.port] : [standby.port, primary.port];
  return { primary, standby, url: `postgres://${POSTGRES_USER}@127.0.0.1:${ports[0]},127.0.0.1:${ports[1]}/postgres`, ports };
}

function edit(repo: CliRepo, env: NodeJS.ProcessEnv, session: string, path: string): HookRun {
  return runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, session, { tool_input: { file_path: join(repo.root, path), content: 'x' } }), {
    env,
  });
}

const decision = (run: HookRun): string | undefined => run.json?.hookSpecificOutput?.permissionDecision;

test('a failover to a synchronous standby loses no committed lease, and hooks answer by themselves while no server takes writes (the standby listed first)', {
  skip: NO_POSTGRES,
}, async (t) => {
  const { primary, standby, url, ports } = await replicated(t, 'standby first');
  const { repo, team } = await teamRepo(t, url);
  const env = hookEnv(repo.env, team);
  for (const path of FILES) assert.equal(decision(edit(repo, env, A, path)), undefined, `${path} leased to A`);
  assert.match(repo.cli(['status'], { env }).stdout, new RegExp(`PostgreSQL 127\\.0\\.0\\.1:${ports[0]},127\\.0\\.0\\.1:${ports[1]}/postgres`));

  primary.crash();
  // No primary: the standby is in recovery and the primary refuses, so no server takes the edit's write.
  const allowed = edit(repo, env, B, 'src/new.ts');
  assert.equal(allowed.signal, null, 'the hook answered by itself');
  assert.equal(allowed.status, 0);
  assert.equal(decision(allowed), undefined, 'allowed, as hooks.onStoreError "allow" says');
  assert.match(
    allowed.json?.systemMessage ?? '',
    /^agent-lease cannot use its store on PostgreSQL 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\/postgres: [^\n]*allowed WITHOUT a lease/,
  );
  assert.doesNotMatch(allowed.stdout + allowed.stderr, /\n {4}at /);
  const strict = hookEnv(repo.env, { AGENT_LEASE_STORE: url });
  repo.write('.agent-lease.json', JSON.stringify({ hooks: { onStoreError: 'deny' } }));
  const denied = edit(repo, strict, B, 'src/new.ts');
  assert.equal(denied.signal, null);
  assert.equal(decision(denied), 'deny', 'denied, as hooks.onStoreError "deny" says');
  repo.write('.agent-lease.json', '{}');

  standby.promote();
  for (const path of FILES) {
    const run = edit(repo, env, B, path);
    assert.equal(decision(run), 'deny', `${path}: A's lease, committed on the old primary, is on the new one`);
    assert.match(run.json?.hookSpecificOutput?.permissionDecisionReason ?? '', /another session/i);
  }
  assert.equal(decision(edit(repo, env, B, 'src/new.ts')), undefined, 'a new file is granted on the new primary');
  assert.equal(decision(edit(repo, env, A, FILES[0]!)), undefined, 'and A renews its own');
});

test('a store left open across a failover (the resident server) reconnects to the promoted standby', { skip: NO_POSTGRES }, async (t) => {
  const { primary, standby, url } = await replicated(t, 'primary first');
  let now = Date.now();
  const store = openPostgresStore({ url, repository: `test.invalid/failover/${randomUUID()}`, clock: () => now });
  t.after(() => store.close());
  await registerSession(store, { id: A, runtime: 'cli' });
  await registerSession(store, { id: B, runtime: 'cli' });
  const before = await acquire(store, A, ['src/a.ts'], { source: 'edit' });
  assert.equal(before.ok, true);

  primary.crash();
  await assert.rejects(acquire(store, B, ['src/b.ts'], { source: 'edit' }), (error: Error) => {
    assert.match(error.message, /^postgres 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\/postgres: [^\n]+$/);
    return true;
  });
  standby.promote();
  // The resident server tries the servers again once UNREACHABLE_FOR_MS have passed (test/postgres-unreachable.test.ts).
  now += UNREACHABLE_FOR_MS;
  const denied = await acquire(store, B, ['src/a.ts'], { source: 'edit' });
  assert.equal(denied.ok, false, "A's lease is there after the failover");
  const granted = await acquire(store, B, ['src/b.ts'], { source: 'edit' });
  assert.equal(granted.ok, true, 'the same store writes to the new primary');
});
