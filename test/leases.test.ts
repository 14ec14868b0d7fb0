import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { acquire } from '../lib/core/acquire';
import { check, listLeases, liveLeaseSummary, who } from '../lib/core/lease-queries';
import { gc } from '../lib/core/gc';
import { normalizePattern } from '../lib/core/patterns';
import { release } from '../lib/core/release';
import { renew } from '../lib/core/renew';
import { readEvents } from '../lib/core/events';
import { carryOverLeases, endSession, getSession, handOverSession, listSessions, registerSession, touchSession } from '../lib/core/sessions';
import { forEachEngine, makeEngineStore, WITH_POOLER, type EngineStore } from './support/engines';
import { startAgent } from './support/store';

const MINUTE = 60_000;
let t: EngineStore;

forEachEngine((engine) => {
  beforeEach(async () => {
    t = makeEngineStore(engine);
    await registerSession(t.store, { id: 'alice', runtime: 'cli', worktree: '/w/a', branch: 'a' });
    await registerSession(t.store, { id: 'bob', runtime: 'cli', worktree: '/w/b', branch: 'b' });
  });
  afterEach(() => t.cleanup());

  const kinds = async (): Promise<string[]> => (await readEvents(t.store)).map((event) => event.kind);

  describe('acquire', () => {
    test('grants a free path with a token, a default TTL by source, and a grant event', async () => {
      const edit = await acquire(t.store, 'alice', ['src/a.ts'], { source: 'edit', task: 'fix login' });
      assert.equal(edit.ok, true);
      assert.equal(edit.granted.length, 1);
      const lease = edit.granted[0]!;
      assert.equal(lease.pattern, 'src/a.ts');
      assert.equal(lease.glob, false);
      assert.equal(lease.mode, 'exclusive');
      assert.equal(lease.task, 'fix login');
      assert.equal(lease.expiresAt.getTime() - t.clock.now, 15 * MINUTE);
      const claim = await acquire(t.store, 'alice', ['docs/**']);
      assert.equal(claim.granted[0]!.expiresAt.getTime() - t.clock.now, 60 * MINUTE);
      assert.ok(claim.granted[0]!.token > lease.token);
      assert.deepEqual(
        (await kinds()).filter((k) => k === 'grant'),
        ['grant', 'grant'],
      );
    });

    test('a conflict names the holder and grants nothing of the request', async () => {
      await acquire(t.store, 'alice', ['src/a.ts'], { task: 'refactor auth' });
      const result = await acquire(t.store, 'bob', ['src/b.ts', 'src/a.ts']);
      assert.equal(result.ok, false);
      assert.equal(result.granted.length, 0);
      assert.equal(result.conflicts.length, 1);
      const { pattern, held } = result.conflicts[0]!;
      assert.equal(pattern, 'src/a.ts');
      assert.equal(held.holder.id, 'alice');
      assert.equal(held.holder.worktree, '/w/a');
      assert.equal(held.holder.branch, 'a');
      assert.equal(held.task, 'refactor auth');
      assert.equal((await listLeases(t.store, { sessionId: 'bob' })).length, 0);
      assert.ok((await kinds()).includes('deny'));
    });

    test('thousands of patterns in one call are granted or refused together', async () => {
      // Each statement is a round trip to PostgreSQL (about six a pattern): a tenth there.
      const count = engine === 'sqlite' ? 5000 : 500;
      const many = Array.from({ length: count }, (_, i) => `gen/${i % 50}/file${i}.ts`);
      await acquire(t.store, 'bob', ['gen/7/file407.ts']);
      const blocked = await acquire(t.store, 'alice', many);
      assert.equal(blocked.ok, false);
      assert.equal(blocked.granted.length, 0);
      await release(t.store, 'bob', { all: true });
      assert.equal((await acquire(t.store, 'alice', many)).granted.length, count);
    });

    test('partial takes the free patterns and reports the rest', async () => {
      await acquire(t.store, 'alice', ['src/a.ts']);
      const result = await acquire(t.store, 'bob', ['src/b.ts', 'src/a.ts'], { partial: true });
      assert.equal(result.ok, false);
      assert.deepEqual(
        result.granted.map((l) => l.pattern),
        ['src/b.ts'],
      );
      assert.equal(result.conflicts.length, 1);
    });

    test('re-acquiring your own lease renews it under the same token', async () => {
      const first = (await acquire(t.store, 'alice', ['src/a.ts'], { source: 'edit' })).granted[0]!;
      t.clock.advance(10 * MINUTE);
      const again = await acquire(t.store, 'alice', ['src/a.ts'], { source: 'edit' });
      assert.equal(again.ok, true);
      assert.equal(again.granted.length, 0);
      assert.equal(again.renewed[0]!.token, first.token);
      assert.equal(again.renewed[0]!.expiresAt.getTime(), t.clock.now + 15 * MINUTE);
      assert.ok((await kinds()).includes('renew'));
    });

    test('edits of one file in a row renew its lease once a twentieth of its TTL has passed, not each time', async () => {
      const first = (await acquire(t.store, 'alice', ['src/a.ts'], { source: 'edit' })).granted[0]!;
      const renewals = async () => (await kinds()).filter((kind) => kind === 'renew').length;
      for (let edit = 0; edit < 5; edit++) {
        t.clock.advance(5_000);
        const again = await acquire(t.store, 'alice', ['src/a.ts'], { source: 'edit' });
        assert.equal(again.renewed[0]!.token, first.token);
        assert.equal(again.renewed[0]!.expiresAt.getTime(), first.expiresAt.getTime());
      }
      assert.equal(await renewals(), 0);
      // 15 minutes' twentieth is 45 s: 25 s have passed, 20 more make it due.
      t.clock.advance(20_000);
      const due = await acquire(t.store, 'alice', ['src/a.ts'], { source: 'edit' });
      assert.equal(due.renewed[0]!.expiresAt.getTime(), t.clock.now + 15 * MINUTE);
      assert.equal(await renewals(), 1);
      // Whatever else a renewal changes is never skipped: here the task.
      const retasked = await acquire(t.store, 'alice', ['src/a.ts'], { source: 'edit', task: 'now with a task' });
      assert.equal(retasked.renewed[0]!.task, 'now with a task');
      assert.equal(await renewals(), 2);
    });

    test('a renewal asking a short TTL of a lease that had a long one is made in full, expired or not', async () => {
      await acquire(t.store, 'alice', ['src/a.ts'], { ttlMs: 30 * MINUTE });
      t.clock.advance(30 * MINUTE + 10_000);
      const revived = await acquire(t.store, 'alice', ['src/a.ts'], { ttlMs: 30_000 });
      assert.equal(revived.renewed[0]!.expiresAt.getTime(), t.clock.now + 30_000, 'expired ten seconds ago: renewed for 30 s');
      assert.equal((await acquire(t.store, 'bob', ['src/a.ts'])).ok, false, 'and held against others');
      await acquire(t.store, 'alice', ['src/b.ts'], { ttlMs: 60 * MINUTE });
      t.clock.advance(60 * MINUTE - 61_000);
      const extended = await acquire(t.store, 'alice', ['src/b.ts'], { ttlMs: 2 * MINUTE });
      assert.equal(extended.renewed[0]!.expiresAt.getTime(), t.clock.now + 2 * MINUTE, '61 s left, 2 minutes asked');
    });

    test('a session never conflicts with itself, even across globs', async () => {
      await acquire(t.store, 'alice', ['src/**']);
      assert.equal((await acquire(t.store, 'alice', ['src/a.ts'], { source: 'edit' })).ok, true);
    });

    test('globs conflict with the paths and globs they can match, through the prefix index', async () => {
      await acquire(t.store, 'alice', ['src/**/*.ts']);
      assert.equal((await acquire(t.store, 'bob', ['src/deep/x/y.ts'], { source: 'edit' })).ok, false);
      assert.equal((await acquire(t.store, 'bob', ['**/*.test.ts'])).ok, false);
      assert.equal((await acquire(t.store, 'bob', ['src/deep/x/y.js'], { source: 'edit' })).ok, true);
      assert.equal((await acquire(t.store, 'bob', ['lib/**'])).ok, true);
      await acquire(t.store, 'alice', ['docs/guide/intro.md']);
      assert.equal((await acquire(t.store, 'bob', ['docs/**'])).ok, false, 'a glob finds exact leases below its prefix');
    });

    test('exact paths with glob characters are literal', async () => {
      await acquire(t.store, 'alice', ['app/[id]/page.tsx'], { exact: true, source: 'edit' });
      assert.equal((await acquire(t.store, 'bob', ['app/i/page.tsx'], { exact: true })).ok, true);
      assert.equal((await acquire(t.store, 'bob', ['app/[id]/page.tsx'], { exact: true })).ok, false);
      assert.equal((await acquire(t.store, 'bob', ['app/**'])).ok, false);
    });

    test('shared leases coexist; an exclusive one does not', async () => {
      assert.equal((await acquire(t.store, 'alice', ['schema.sql'], { mode: 'shared' })).ok, true);
      assert.equal((await acquire(t.store, 'bob', ['schema.sql'], { mode: 'shared' })).ok, true);
      assert.equal((await acquire(t.store, 'bob', ['schema.sql'], { mode: 'exclusive' })).ok, false, 'no upgrade while another shares it');
      await registerSession(t.store, { id: 'carol', runtime: 'cli' });
      assert.equal((await acquire(t.store, 'carol', ['*.sql'])).ok, false);
    });

    test('an expired lease is reclaimed in the granting transaction', async () => {
      const old = (await acquire(t.store, 'alice', ['src/a.ts'], { source: 'edit' })).granted[0]!;
      t.clock.advance(15 * MINUTE);
      const result = await acquire(t.store, 'bob', ['src/a.ts']);
      assert.equal(result.ok, true);
      assert.ok(result.granted[0]!.token > old.token, 'the new holder gets a newer fencing token');
      const reclaimed = (await listLeases(t.store, { includeInactive: true })).find((l) => l.token === old.token)!;
      assert.equal(reclaimed.releaseReason, 'expired');
      assert.ok((await kinds()).includes('expire'));
    });

    test('a dead holder is reclaimable at once; a live one is not', async () => {
      const agent = startAgent();
      await registerSession(t.store, { id: 'claude-1', runtime: 'claude-code', process: agent.identity });
      await acquire(t.store, 'claude-1', ['src/a.ts'], { source: 'edit' });
      assert.equal((await acquire(t.store, 'bob', ['src/a.ts'])).ok, false);
      await agent.kill();
      assert.equal((await getSession(t.store, 'claude-1'))!.alive, false);
      assert.equal((await acquire(t.store, 'bob', ['src/a.ts'])).ok, true);
      const takeover = (await readEvents(t.store, { kinds: ['takeover'] }))[0]!;
      assert.equal(takeover.sessionId, 'claude-1');
      assert.equal(takeover.actor, 'bob');
    });

    test('a pid now used by another process does not keep a lease alive', async () => {
      const agent = startAgent();
      try {
        // The session recorded this pid with a different start time: the pid was reused since.
        await registerSession(t.store, { id: 'old', runtime: 'claude-code', process: { pid: agent.identity.pid, startedAt: `${agent.identity.startedAt}0` } });
        await acquire(t.store, 'old', ['src/a.ts'], { source: 'edit' });
        assert.equal((await getSession(t.store, 'old'))!.alive, false);
        assert.equal((await acquire(t.store, 'bob', ['src/a.ts'])).ok, true);
      } finally {
        agent.child.kill('SIGKILL');
      }
    });

    test('a command-line session has no process to die: only release or expiry frees its leases', async () => {
      await acquire(t.store, 'alice', ['src/a.ts']);
      assert.equal((await getSession(t.store, 'alice'))!.alive, true);
      t.clock.advance(59 * MINUTE);
      assert.equal((await acquire(t.store, 'bob', ['src/a.ts'])).ok, false);
    });

    test('refuses unusable patterns with one clear line', async () => {
      await assert.rejects(async () => await acquire(t.store, 'alice', ['**']), /whole repository/);
      assert.equal((await acquire(t.store, 'alice', ['**'], { allowEverything: true })).ok, true);
      await assert.rejects(async () => await acquire(t.store, 'alice', ['/etc/passwd']), /relative to the repository root/);
      await assert.rejects(async () => await acquire(t.store, 'alice', ['src/../../x']), /must not contain ".."/);
      await assert.rejects(async () => await acquire(t.store, 'nobody', ['x']), /unknown session "nobody"/);
      assert.equal(normalizePattern('./src//a.ts/'), 'src/a.ts');
      await assert.rejects(async () => await acquire(t.store, 'alice', ['src/[abc']), /cannot lease "src\/\[abc": a \[ character class is not closed/);
      await assert.rejects(async () => await acquire(t.store, 'alice', ['src/+(a|b).ts']), /extglob .* use braces/);
      await assert.rejects(async () => await acquire(t.store, 'alice', ['!src/**']), /negated/);
      await assert.rejects(async () => await acquire(t.store, 'alice', ['src/x\\']), /lone backslash/);
    });

    test('refuses a TTL that is not a positive duration of at most 365 days, so that every expiry is a valid date', async () => {
      for (const ttlMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 366 * 24 * 60 * MINUTE, 8.64e19]) {
        await assert.rejects(
          async () => await acquire(t.store, 'alice', ['src/a.ts'], { ttlMs }),
          /time to live must be more than 0 and at most 365d/,
          String(ttlMs),
        );
      }
      await acquire(t.store, 'alice', ['src/a.ts'], { ttlMs: 365 * 24 * 60 * MINUTE });
      await assert.rejects(async () => await renew(t.store, 'alice', { ttlMs: 8.64e19 }), /time to live/);
      assert.equal((await listLeases(t.store))[0]!.expiresAt.getTime(), t.clock.now + 365 * 24 * 60 * MINUTE);
    });

    test('a file name that begins or ends with a space is leased as it is', async () => {
      assert.equal((await acquire(t.store, 'alice', [' a.ts '], { exact: true })).granted[0]!.pattern, ' a.ts ');
      assert.equal((await acquire(t.store, 'bob', [' a.ts '], { exact: true })).ok, false);
      assert.equal((await acquire(t.store, 'bob', ['a.ts'], { exact: true })).ok, true);
    });
  });

  describe('renew and release', () => {
    test('renew extends only your own leases unless forced', async () => {
      await acquire(t.store, 'alice', ['src/a.ts'], { source: 'edit' });
      t.clock.advance(10 * MINUTE);
      const mine = await renew(t.store, 'alice', { ttlMs: 30 * MINUTE });
      assert.equal(mine.renewed[0]!.expiresAt.getTime(), t.clock.now + 30 * MINUTE);
      const token = mine.renewed[0]!.token;
      const theirs = await renew(t.store, 'bob', { tokens: [token] });
      assert.equal(theirs.renewed.length, 0);
      assert.equal(theirs.refused[0]!.holder.id, 'alice');
      assert.equal((await renew(t.store, 'bob', { tokens: [token], force: true })).renewed.length, 1);
    });

    test('release by pattern, token or all; another session needs force, which is logged', async () => {
      const [a, b] = (await acquire(t.store, 'alice', ['src/a.ts', 'src/b.ts'])).granted;
      await acquire(t.store, 'alice', ['src/c.ts']);
      assert.equal((await release(t.store, 'alice', { patterns: ['src/a.ts'] })).released.length, 1);
      const refused = await release(t.store, 'bob', { tokens: [b!.token] });
      assert.equal(refused.released.length, 0);
      assert.equal(refused.refused[0]!.token, b!.token);
      const forced = await release(t.store, 'bob', { tokens: [b!.token], force: true });
      assert.equal(forced.released[0]!.releaseReason, 'forced by bob');
      const event = (await readEvents(t.store, { kinds: ['force-release'] }))[0]!;
      assert.equal(event.actor, 'bob');
      assert.equal(event.sessionId, 'alice');
      assert.equal((await release(t.store, 'alice', { all: true })).released.length, 1);
      assert.equal((await listLeases(t.store)).length, 0);
      assert.ok(a);
      await assert.rejects(async () => await release(t.store, 'alice', {}), /release what/);
    });
  });

  describe('reading', () => {
    test('check and who are read-only and see only live leases', async () => {
      await acquire(t.store, 'alice', ['src/**'], { task: 'auth' });
      await acquire(t.store, 'bob', ['lib/x.ts']);
      const before = (await readEvents(t.store)).length;
      const result = await check(t.store, ['src/a.ts', 'lib/x.ts', 'README.md'], 'bob');
      assert.deepEqual(
        result.map((r) => r.holders.map((h) => h.holder.id)),
        [['alice'], [], []],
      );
      assert.deepEqual(
        (await who(t.store, 'lib/x.ts')).map((h) => h.holder.id),
        ['bob'],
      );
      t.clock.advance(61 * MINUTE);
      assert.deepEqual((await check(t.store, ['src/a.ts'], 'bob'))[0]!.holders, []);
      assert.equal((await readEvents(t.store)).length, before, 'nothing was written');
    });

    test('list shows live leases by default, everything with includeInactive', async () => {
      await acquire(t.store, 'alice', ['a.ts']);
      await acquire(t.store, 'bob', ['b.ts']);
      await release(t.store, 'bob', { all: true });
      assert.deepEqual(
        (await listLeases(t.store)).map((l) => l.pattern),
        ['a.ts'],
      );
      assert.deepEqual(
        (await listLeases(t.store, { includeInactive: true })).map((l) => l.pattern),
        ['a.ts', 'b.ts'],
      );
    });
  });

  describe('sessions', () => {
    test('register refreshes, touch bumps last seen, end releases everything', async () => {
      t.clock.advance(MINUTE);
      assert.equal(await touchSession(t.store, 'alice'), true);
      assert.equal((await getSession(t.store, 'alice'))!.lastSeenAt.getTime(), t.clock.now);
      assert.equal(await touchSession(t.store, 'nobody'), false);
      await acquire(t.store, 'alice', ['a.ts', 'b.ts']);
      assert.equal(await endSession(t.store, 'alice'), 2);
      assert.equal(await touchSession(t.store, 'alice'), false, 'an ended session is not touched');
      assert.equal((await getSession(t.store, 'alice'))!.alive, false);
      assert.deepEqual(
        (await listSessions(t.store)).map((s) => s.id),
        ['bob'],
      );
      assert.equal((await listSessions(t.store, { includeEnded: true })).length, 2);
      await registerSession(t.store, { id: 'alice', runtime: 'cli' });
      assert.equal((await getSession(t.store, 'alice'))!.endedAt, null, 're-registering resumes an ended session');
    });

    test('carry-over moves the leases of the session of the same process that handed over, and only those', async () => {
      const agent = startAgent();
      try {
        await registerSession(t.store, { id: 'before-clear', runtime: 'claude-code', process: agent.identity });
        await acquire(t.store, 'before-clear', ['src/a.ts', 'src/b.ts'], { source: 'edit' });
        await registerSession(t.store, { id: 'other-session', runtime: 'claude-code', process: agent.identity });
        await acquire(t.store, 'other-session', ['src/c.ts'], { source: 'edit' });
        assert.equal(await handOverSession(t.store, 'before-clear', 'clear'), true);
        assert.equal((await listLeases(t.store, { sessionId: 'before-clear' })).length, 2, 'handing over keeps the leases');
        await registerSession(t.store, { id: 'after-clear', runtime: 'claude-code', process: agent.identity });
        await acquire(t.store, 'after-clear', ['src/b.ts'], { source: 'edit' });
        assert.deepEqual(await carryOverLeases(t.store, 'after-clear', agent.identity), ['before-clear']);
        assert.deepEqual((await listLeases(t.store, { sessionId: 'after-clear' })).map((l) => l.pattern).sort(), ['src/a.ts', 'src/b.ts']);
        assert.notEqual((await getSession(t.store, 'before-clear'))!.endedAt, null);
        assert.deepEqual(
          (await listLeases(t.store, { sessionId: 'other-session' })).map((l) => l.pattern),
          ['src/c.ts'],
          'the other session of the same process keeps its own',
        );
        assert.equal((await getSession(t.store, 'other-session'))!.endedAt, null);
        assert.deepEqual(await carryOverLeases(t.store, 'after-clear', agent.identity), [], 'one carry-over');
        assert.ok((await kinds()).includes('carry-over'));
      } finally {
        agent.child.kill('SIGKILL');
      }
    });
  });

  describe('gc', () => {
    test('reclaims stale leases and deletes history past retention; tokens are never reused', async () => {
      const first = (await acquire(t.store, 'alice', ['a.ts'], { source: 'edit' })).granted[0]!;
      await acquire(t.store, 'bob', ['b.ts']);
      t.clock.advance(20 * MINUTE);
      const reclaim = await gc(t.store, { retentionMs: 24 * 60 * MINUTE });
      assert.equal(reclaim.reclaimed, 1);
      assert.equal(reclaim.deletedLeases, 0);
      await endSession(t.store, 'bob');
      t.clock.advance(25 * 60 * MINUTE);
      const purge = await gc(t.store, { retentionMs: 24 * 60 * MINUTE });
      assert.equal(purge.deletedLeases, 2);
      assert.equal(purge.deletedSessions, 1);
      assert.ok(purge.deletedEvents > 0);
      assert.equal((await listLeases(t.store, { includeInactive: true })).length, 0);
      const next = (await acquire(t.store, 'alice', ['a.ts'])).granted[0]!;
      assert.ok(next.token > first.token + 1, 'AUTOINCREMENT never hands out a deleted token again');
    });
  });

  describe('clock jumps', () => {
    test('back: a lease outlives the jump by at most its TTL, and is never granted twice', async () => {
      await acquire(t.store, 'alice', ['src/a.ts'], { source: 'edit' });
      t.clock.advance(-24 * 60 * MINUTE);
      assert.equal((await acquire(t.store, 'bob', ['src/a.ts'])).ok, false, 'still held right after the jump');
      t.clock.advance(15 * MINUTE);
      const result = await acquire(t.store, 'bob', ['src/a.ts']);
      assert.equal(result.ok, true, 'expired one TTL after the jump was noticed, not a day later');
      assert.equal((await listLeases(t.store)).length, 1);
    });

    test('forward: leases expire early and are taken over, never doubled', async () => {
      await acquire(t.store, 'alice', ['src/a.ts'], { source: 'edit' });
      t.clock.advance(24 * 60 * MINUTE);
      assert.equal((await acquire(t.store, 'bob', ['src/a.ts'])).ok, true);
      assert.equal((await acquire(t.store, 'alice', ['src/a.ts'], { source: 'edit' })).ok, false, 'the old holder cannot silently renew a lease it lost');
      assert.deepEqual(
        (await listLeases(t.store)).map((l) => l.sessionId),
        ['bob'],
      );
    });
  });

  describe('liveLeaseSummary', () => {
    test('shows the first live leases of other sessions and counts them all, leaving out dead holders', async () => {
      await acquire(t.store, 'alice', ['a1.ts', 'a2.ts', 'a3.ts']);
      await acquire(t.store, 'bob', ['b1.ts']);
      const agent = startAgent();
      await registerSession(t.store, { id: 'gone', runtime: 'claude-code', process: agent.identity });
      await acquire(t.store, 'gone', ['g1.ts']);
      await agent.kill();
      const summary = await liveLeaseSummary(t.store, { exceptSession: 'bob', limit: 2 });
      assert.deepEqual(
        summary.leases.map((l) => l.pattern),
        ['a1.ts', 'a2.ts'],
      );
      assert.equal(summary.total, 3);
    });
  });
}, WITH_POOLER);
