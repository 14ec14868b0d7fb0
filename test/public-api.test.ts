// Other tools use the library through the package root: `require('agent-lease')`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('the package root exports the lease library, and it works end to end', async () => {
  // A package can require itself by name through its "exports" map.
  const api = require('agent-lease') as typeof import('../lib/index');
  for (const name of [
    'openStore',
    'registerSession',
    'endSession',
    'acquire',
    'renew',
    'release',
    'listLeases',
    'check',
    'who',
    'gc',
    'overlaps',
    'readEvents',
    'loadConfig',
    'locateRepo',
    'repoRelativePath',
    'findAgentProcess',
    'syncLockFiles',
  ]) {
    assert.equal(typeof (api as Record<string, unknown>)[name], 'function', name);
  }
  const dir = mkdtempSync(join(tmpdir(), 'agent-lease-api-'));
  try {
    const store = api.openStore({ path: join(dir, 'state.db') });
    await api.registerSession(store, { id: 'tool', runtime: 'other-tool' });
    assert.equal((await api.acquire(store, 'tool', ['src/**'])).ok, true);
    assert.deepEqual(
      (await api.who(store, 'src/x.ts')).map((lease) => lease.holder.id),
      ['tool'],
    );
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
