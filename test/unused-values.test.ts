// Store calls return promises and transaction steps are generators: one not awaited, or called
// without `yield*`, silently does nothing (or is always true in a condition).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { unusedValues } from './support/unused-values';

const ROOT = join(__dirname, '..');

test('no promise and no transaction body is left unused or tested for truth, in the code, the tests and the benches', () => {
  assert.deepEqual(unusedValues(join(ROOT, 'tsconfig.typecheck.json'), ROOT), []);
});

test('the check finds a promise left unused, one tested in a condition, and a body called without yield*', () => {
  const found = unusedValues(join(ROOT, 'test', 'fixtures', 'unused-values', 'tsconfig.json'), ROOT).map((line) => line.replace(/:\d+:\d+:/, ':'));
  assert.deepEqual(found, [
    'test/fixtures/unused-values/mistakes.ts: a promise left unused: touchSession(store, id)',
    'test/fixtures/unused-values/mistakes.ts: a promise tested in a condition: touchSession(store, id)',
    "test/fixtures/unused-values/mistakes.ts: a transaction body left unused: recordEvent(store, { kind: 'renew', sessionId: id })",
    'test/fixtures/unused-values/mistakes.ts: a promise tested in ??: getSession(store, id)',
  ]);
});
