// Tokens on both engines: a token taken for a hold made from no lease (one per file of a glob
// claim) is one no lease has had, and no lease granted later is given it.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { acquire } from '../lib/core/acquire';
import { registerSession } from '../lib/core/sessions';
import { forEachEngine, makeEngineStore, type EngineStore } from './support/engines';

let t: EngineStore;

forEachEngine((engine) => {
  beforeEach(async () => {
    t = makeEngineStore(engine);
    await registerSession(t.store, { id: 'a', runtime: 'cli' });
  });
  afterEach(() => t.cleanup());

  test('a token taken for a hold is new, and later leases never reuse it', async () => {
    const first = await acquire(t.store, 'a', ['src/a.ts'], { source: 'edit' });
    const taken = await t.store.write(() => t.store.dialect.newToken());
    const second = await acquire(t.store, 'a', ['src/b.ts'], { source: 'edit' });
    const [before] = first.granted.map((lease) => lease.token);
    const [after] = second.granted.map((lease) => lease.token);
    assert.ok(taken > before!, `hold token ${taken} after lease token ${before}`);
    assert.ok(after! > taken, `lease token ${after} after hold token ${taken}`);
  });
});
