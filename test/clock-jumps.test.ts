// The clock jumping forward and back (an injected clock), in random sequences of claims, renewals,
// releases and jumps: after every step no two conflicting leases are live and the log shows no path
// granted over its holder; and whatever the jumps, once another session asks for a lease's paths
// the lease lasts at most its TTL more (none lasts forever). test/leases.test.ts has the two
// hand-written cases; this is the randomized search around them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { overlaps } from '../lib/core/globs';
import { acquire } from '../lib/core/acquire';
import { listLeases } from '../lib/core/lease-queries';
import { release } from '../lib/core/release';
import { renew } from '../lib/core/renew';
import type { HeldLease } from '../lib/core/lease-types';
import { readEvents } from '../lib/core/events';
import { registerSession } from '../lib/core/sessions';
import { scaled } from './support/long';
import { replayExclusiveGrants } from '../bench/replay';
import { makeStore, type TestStore } from './support/store';

const MINUTE = 60_000;
const MAX_TTL_MINUTES = 120;
const SESSIONS = ['alice', 'bob', 'carol'];
const PATTERNS = ['src/a.ts', 'src/b.ts', 'src/**', 'src/*.ts', 'docs/x.md', '**/*.md', 'lib/{a,b}.ts', 'lib/a.ts'];
const SEQUENCES = scaled(200, 3000);

type Step =
  | { kind: 'acquire'; session: string; pattern: string; ttlMinutes: number }
  | { kind: 'release'; session: string; pattern: string }
  | { kind: 'renew'; session: string; ttlMinutes: number }
  | { kind: 'jump'; minutes: number }
  | { kind: 'tick'; minutes: number };

const session = fc.constantFrom(...SESSIONS);
const pattern = fc.constantFrom(...PATTERNS);
const ttlMinutes = fc.integer({ min: 1, max: MAX_TTL_MINUTES });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('acquire' as const), session, pattern, ttlMinutes }),
  fc.record({ kind: fc.constant('release' as const), session, pattern }),
  fc.record({ kind: fc.constant('renew' as const), session, ttlMinutes }),
  // Up to two days either way, and sometimes far more: a machine whose clock was years off.
  fc.record({ kind: fc.constant('jump' as const), minutes: fc.oneof(fc.integer({ min: -2880, max: 2880 }), fc.constantFrom(-5_000_000, 5_000_000)) }),
  fc.record({ kind: fc.constant('tick' as const), minutes: fc.integer({ min: 0, max: 30 }) }),
);

async function apply(t: TestStore, next: Step): Promise<void> {
  switch (next.kind) {
    case 'acquire':
      await acquire(t.store, next.session, [next.pattern], { ttlMs: next.ttlMinutes * MINUTE });
      return;
    case 'release':
      await release(t.store, next.session, { patterns: [next.pattern] });
      return;
    case 'renew':
      await renew(t.store, next.session, { ttlMs: next.ttlMinutes * MINUTE });
      return;
    case 'jump':
    case 'tick':
      t.clock.advance(next.minutes * MINUTE);
  }
}

function assertNoConflictingLiveLeases(live: HeldLease[], where: string): void {
  for (const a of live) {
    for (const b of live) {
      if (a.token < b.token && a.sessionId !== b.sessionId) {
        assert.equal(
          overlaps(a, b),
          false,
          `${where}: ${a.sessionId} holds ${a.pattern} (token ${a.token}) and ${b.sessionId} holds ${b.pattern} (token ${b.token})`,
        );
      }
    }
  }
}

test(`${SEQUENCES} random sequences of leases and clock jumps: never two conflicting live leases, never a grant over a holder, no lease beyond its TTL once contested`, async () => {
  let steps = 0;
  let jumps = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (sequence) => {
      const t = makeStore();
      try {
        for (const name of [...SESSIONS, 'zed']) await registerSession(t.store, { id: name, runtime: 'cli' });
        for (const [i, next] of sequence.entries()) {
          await apply(t, next);
          steps++;
          if (next.kind === 'jump') jumps++;
          assertNoConflictingLiveLeases(await listLeases(t.store), `after step ${i} (${JSON.stringify(next)})`);
        }
        assert.deepEqual(replayExclusiveGrants(await readEvents(t.store)).doubleGrants, []);

        // Whatever the clock did, a lease that another session asks for ends within its TTL.
        for (const lease of await listLeases(t.store)) {
          if ((await acquire(t.store, 'zed', [lease.pattern], { ttlMs: MINUTE })).ok) continue;
          t.clock.advance(MAX_TTL_MINUTES * MINUTE + 1);
          assert.equal(
            (await acquire(t.store, 'zed', [lease.pattern], { ttlMs: MINUTE })).ok,
            true,
            `${lease.pattern} of ${lease.sessionId} still held ${MAX_TTL_MINUTES} minutes after it was contested`,
          );
          assertNoConflictingLiveLeases(await listLeases(t.store), 'after the takeover');
        }
      } finally {
        await t.cleanup();
      }
    }),
    { numRuns: SEQUENCES },
  );
  assert.ok(jumps > SEQUENCES, `the clock did jump (${jumps} jumps in ${steps} steps)`);
});
