// `npm ci` works on every platform: a package the lock file pins to some platforms (os, cpu) is
// optional, which npm skips where it cannot run, instead of failing the whole install. The OpenCode
// binary is optional through a dev package (test/clients/opencode): an optional dependency of the
// project itself would be installed by every user of the published package.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const PROJECT = join(__dirname, '..');

interface Locked {
  os?: string[];
  cpu?: string[];
  optional?: boolean;
  dev?: boolean;
}

test('every platform-bound package in the lock file is optional; the OpenCode binary a dev one', () => {
  const lock = JSON.parse(readFileSync(join(PROJECT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Locked> };
  const bound = Object.entries(lock.packages).filter(([, entry]) => entry.os !== undefined || entry.cpu !== undefined);
  assert.deepEqual(
    bound.filter(([, entry]) => entry.optional !== true).map(([path]) => path),
    [],
  );
  assert.deepEqual(lock.packages['node_modules/opencode-linux-x64-baseline'], {
    ...lock.packages['node_modules/opencode-linux-x64-baseline'],
    optional: true,
    dev: true,
  });
});
