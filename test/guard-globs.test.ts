// The guard matches every staged path against many glob leases, so `covers` first rejects by the
// file name (literal head and tail of a glob's last segment) before compiling the glob. That
// shortcut must never change an answer: covers agrees with minimatch itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { minimatch } from 'minimatch';
import { covers } from '../lib/core/globs';

const OPTIONS = { dot: true, nonegate: true, nocomment: true };
const part = fc.constantFrom('a', 'b', '.', '..', '.ts', 'x', '*', '?', '[ab]', '[!a]', '{a,b}', 'a*', '*b', '*.ts', '\\*', '!', '+(a)');
const segment = fc.oneof(
  { weight: 1, arbitrary: fc.constant('**') },
  { weight: 6, arbitrary: fc.array(part, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('')) },
);
const pattern = fc.array(segment, { minLength: 1, maxLength: 4 }).map((segments) => segments.join('/'));
const name = fc.array(fc.constantFrom('a', 'b', 'x', '.', 't', 's', '*', '!'), { minLength: 1, maxLength: 6 }).map((chars) => chars.join(''));
const path = fc.array(name, { minLength: 1, maxLength: 5 }).map((names) => names.join('/'));

test('property: covers answers exactly as minimatch does', () => {
  fc.assert(
    fc.property(pattern, fc.array(path, { minLength: 1, maxLength: 10 }), (glob, paths) => {
      for (const p of paths) assert.equal(covers({ pattern: glob, glob: true }, p), minimatch(p, glob, OPTIONS), `${glob} vs ${p}`);
    }),
    { numRuns: 3000 },
  );
});

test('the file-name shortcut on the globs a commit meets most', () => {
  const cases: Array<[string, string, boolean]> = [
    ['pkg/src/m1/**/*.gen12.ts', 'pkg/src/m1/staged3.ts', false],
    ['pkg/src/m1/**/*.gen12.ts', 'pkg/src/m1/deep/a.gen12.ts', true],
    ['src/*/index.ts', 'src/a/index.ts', true],
    ['src/*/index.ts', 'src/a/index.tsx', false],
    ['**/*.test.ts', 'x.test.ts', true],
    ['**/?.ts', 'ab.ts', false],
    ['src/**', 'src/a/b.ts', true],
    ['**/a/..', 'a', true],
  ];
  for (const [glob, p, expected] of cases) assert.equal(covers({ pattern: glob, glob: true }, p), expected, `${glob} vs ${p}`);
});
