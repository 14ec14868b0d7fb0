// Waiting for a path and handing it over, through the core, on both engines: the wait wakes on
// another store's commit (the engine's change counter), and an ask and its reply travel once.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { acquire } from '../lib/core/acquire';
import { askHolders, replyToAsk, takeMessages } from '../lib/core/handoff';
import { release } from '../lib/core/release';
import { registerSession } from '../lib/core/sessions';
import { waitUntilFree } from '../lib/core/wait';
import { forEachEngine, makeEngineStore, type EngineStore } from './support/engines';

let t: EngineStore;

forEachEngine((engine) => {
  beforeEach(async () => {
    t = makeEngineStore(engine);
    await registerSession(t.store, { id: 'holder', runtime: 'cli' });
    await registerSession(t.store, { id: 'waiter', runtime: 'cli' });
  });
  afterEach(() => t.cleanup());

  test('a wait with claim returns with the lease once the holder releases, not before', async () => {
    await acquire(t.store, 'holder', ['src/a.ts'], { source: 'edit' });
    let released = false;
    const waiting = waitUntilFree(t.store, 'waiter', ['src/a.ts'], { timeoutMs: 20_000, claim: true });
    setTimeout(() => {
      released = true;
      void release(t.store, 'holder', { all: true });
    }, 300);
    const outcome = await waiting;
    assert.equal(released, true);
    assert.equal(outcome.free, true);
    assert.deepEqual(
      outcome.result.granted.map((lease) => lease.pattern),
      ['src/a.ts'],
    );
  });

  test('an ask reaches the holder once and its reply reaches the asker once', async () => {
    await acquire(t.store, 'holder', ['src/a.ts'], { source: 'edit' });
    const {
      sent: [ask],
    } = await askHolders(t.store, 'waiter', 'src/a.ts', 'may I have src/a.ts?');
    assert.equal(ask!.to, 'holder');
    const told = await takeMessages(t.store, 'holder');
    assert.deepEqual(
      told.map((message) => [message.kind, message.message]),
      [['ask', 'may I have src/a.ts?']],
    );
    assert.deepEqual(await takeMessages(t.store, 'holder'), []);
    await replyToAsk(t.store, 'holder', 'done in five minutes');
    assert.deepEqual(
      (await takeMessages(t.store, 'waiter')).map((message) => [message.kind, message.message, message.replyTo]),
      [['reply', 'done in five minutes', ask!.id]],
    );
  });
});
