import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { importViolations, type Layering } from './support/layering';

const ROOT = resolve(__dirname, '..');

/** The table in lib/ARCHITECTURE.md: room → the rooms it may import. */
function layeringOfArchitectureDoc(): Layering {
  const rows = readFileSync(join(ROOT, 'lib', 'ARCHITECTURE.md'), 'utf8')
    .split('\n')
    .filter((line) => /^\|\s*[a-z][a-z-]*\s*\|/.test(line) && !/^\|\s*room\s*\|/.test(line));
  return new Map(
    rows.map((line) => {
      const cells = line.split('|').map((cell) => cell.trim());
      const allowed = cells[3] === '—' ? [] : cells[3]!.split(',').map((room) => room.trim());
      return [cells[1]!, new Set(allowed)];
    }),
  );
}

test('lib/ARCHITECTURE.md names every folder of lib/ as a room', () => {
  const layering = layeringOfArchitectureDoc();
  const folders = readdirSync(join(ROOT, 'lib'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  assert.deepEqual([...layering.keys()].sort(), folders);
});

test('no module imports against the layering', () => {
  assert.deepEqual(importViolations(ROOT, layeringOfArchitectureDoc()), []);
});

test('the layering check catches a wrong-way import', () => {
  const layering = layeringOfArchitectureDoc();
  const violations = importViolations(ROOT, layering, {
    extraImports: [
      { from: 'lib/core/store.ts', spec: '../git/repo' },
      { from: 'lib/util/errors.ts', spec: '../core/store' },
      { from: 'lib/core/leases.ts', spec: '../../hooks/output' },
      { from: 'bench/scale.ts', spec: '../test/support/store' },
    ],
  });
  assert.deepEqual(
    violations.filter((violation) => violation.includes('(injected)')),
    [
      'lib/core/store.ts imports lib/git/repo.ts (injected): core may import only from util',
      'lib/util/errors.ts imports lib/core/store.ts (injected): util may import nothing from lib/',
      'lib/core/leases.ts imports hooks/output.ts (injected): lib/ never imports hooks/, cli/ or bin/',
      'bench/scale.ts imports test/support/store.ts (injected): bench/ never imports test/ (but its Claude Code driver, PostgreSQL server and PgBouncer)',
    ],
  );
});

test('every file the check reads resolves its relative imports', () => {
  // A rename that leaves a dangling import would make the check above vacuous for that file.
  assert.deepEqual(importViolations(ROOT, layeringOfArchitectureDoc(), { unresolvedOnly: true }), []);
});
