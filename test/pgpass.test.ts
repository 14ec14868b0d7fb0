import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { passwordFromFile } from '../lib/stores/pgpass';

async function withFile(text: string, fn: (file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'agent-lease-pgpass-'));
  const saved = process.env.PGPASSFILE;
  try {
    const file = join(dir, '.pgpass');
    writeFileSync(file, text);
    chmodSync(file, 0o600);
    process.env.PGPASSFILE = file;
    await fn(file);
  } finally {
    if (saved === undefined) delete process.env.PGPASSFILE;
    else process.env.PGPASSFILE = saved;
    rmSync(dir, { recursive: true, force: true });
  }
}

const query = { host: 'db.internal', port: '5432', database: 'leases', user: 'agent' };

test('the first matching line of the password file gives the password, with wildcards and escapes as libpq reads them', async () => {
  const text = ['other.host:5432:leases:agent:wrong', 'db.internal:*:leases:agent:pa\\:ss', '*:*:*:*:fallback', ''].join('\n');
  await withFile(text, async () => {
    assert.equal(await passwordFromFile(query), 'pa:ss');
    assert.equal(await passwordFromFile({ ...query, user: 'nobody' }), 'fallback');
  });
  await withFile('localhost:5432:*:agent:local\n', async () => {
    assert.equal(await passwordFromFile({ ...query, host: '/tmp/socket-dir' }), 'local', 'a socket is localhost');
    assert.equal(await passwordFromFile(query), undefined);
  });
});

test('a password file others may read is ignored, as libpq ignores it', async () => {
  await withFile('*:*:*:*:secret\n', async (file) => {
    chmodSync(file, 0o644);
    assert.equal(await passwordFromFile(query), undefined);
  });
});
