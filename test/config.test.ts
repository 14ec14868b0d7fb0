import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, loadConfig } from '../lib/config/load';
import { formatDuration, parseDuration } from '../lib/util/duration';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'agent-lease-config-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('no file means the defaults', () => {
  withDir((dir) => assert.deepEqual(loadConfig(dir), DEFAULT_CONFIG));
});

test('a valid file sets TTLs, ignore list, failure modes and retention', () => {
  withDir((dir) => {
    writeFileSync(
      join(dir, '.agent-lease.json'),
      JSON.stringify({
        ttl: { edit: '5m', claim: 7200 },
        ignore: ['gen/**'],
        guard: { onStoreError: 'warn' },
        hooks: { onStoreError: 'deny' },
        retention: '2d',
      }),
    );
    const config = loadConfig(dir);
    assert.equal(config.ttl.editMs, 5 * 60_000);
    assert.equal(config.ttl.claimMs, 7200_000);
    assert.deepEqual(config.ignore, ['gen/**']);
    assert.equal(config.guard.onStoreError, 'warn');
    assert.equal(config.hooks.onStoreError, 'deny');
    assert.equal(config.retentionMs, 2 * 86_400_000);
  });
});

test('a bad file is one clear error naming the file and the field', () => {
  const cases: Array<[string, RegExp]> = [
    ['{"ttl": {"edit": "soon"}}', /\.agent-lease\.json: ttl\.edit: expected a duration like "90s"/],
    ['{"ttl": {"edit": "5m", "bogus": 1}}', /ttl: unknown key "bogus"/],
    ['{"colour": true}', /\(top level\): unknown key "colour"/],
    ['{"guard": {"onStoreError": "explode"}}', /guard\.onStoreError: /],
    ['{"ignore": "dist/**"}', /ignore: /],
    ['{"ttl": ', /not valid JSON/],
  ];
  withDir((dir) => {
    for (const [text, expected] of cases) {
      writeFileSync(join(dir, '.agent-lease.json'), text);
      assert.throws(
        () => loadConfig(dir),
        (error: Error) => expected.test(error.message) && !error.message.includes('\n'),
        text,
      );
    }
  });
});

test('the validated config is cached by size and mtime, and revalidated when the file changes', () => {
  withDir((dir) => {
    const file = join(dir, '.agent-lease.json');
    writeFileSync(file, '{"ttl": {"edit": "5m"}}');
    assert.equal(loadConfig(dir, dir).ttl.editMs, 300_000);
    assert.ok(existsSync(join(dir, 'config-cache.json')));
    writeFileSync(file, '{"ttl": {"edit": "6m"}}');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.equal(loadConfig(dir, dir).ttl.editMs, 360_000);
  });
});

test('durations', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('45m'), 2_700_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration(30), 30_000);
  for (const bad of ['', '10', 'm', '-5m', '0s', '5 minutes', '5M']) assert.equal(parseDuration(bad), null, bad);
  assert.equal(formatDuration(45_000), '45s');
  assert.equal(formatDuration(12 * 60_000), '12m');
  assert.equal(formatDuration(125 * 60_000), '2h05m');
});
