import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Minimatch, minimatch } from 'minimatch';
import { covers, globProblem, indexPrefix, isGlob, matchesEverything, overlaps, type LeaseTarget } from '../lib/core/globs';

const glob = (pattern: string): LeaseTarget => ({ pattern, glob: true });
const path = (pattern: string): LeaseTarget => ({ pattern, glob: false });
const overlap = (a: string, b: string): boolean => overlaps(glob(a), glob(b));

test('the cases the issue names', () => {
  assert.equal(overlap('src/**/*.ts', '**/*.test.ts'), true);
  assert.equal(overlap('src/a/**', 'src/b/**'), false);
  assert.equal(overlap('docs/*.md', 'docs/**'), true);
  assert.equal(overlap('{a,b}/x', 'b/*'), true);
});

test('segment-level overlap of stars, classes and literals', () => {
  assert.equal(overlap('src/*.ts', 'src/*.js'), false);
  assert.equal(overlap('src/a*', 'src/*b'), true);
  assert.equal(overlap('src/[ab].ts', 'src/[cd].ts'), false);
  assert.equal(overlap('src/[a-c].ts', 'src/[!a].ts'), true);
  assert.equal(overlap('src/[a].ts', 'src/[!a].ts'), false);
  assert.equal(overlap('src/?.ts', 'src/ab.ts'), false);
  assert.equal(overlap('src/??.ts', 'src/a*'), true);
  assert.equal(overlap('src/*/x.ts', 'src/x.ts'), false);
  assert.equal(overlap('src/**/x.ts', 'src/x.ts'), true);
  assert.equal(overlap('a/**/b/**/c', 'a/c'), false);
  assert.equal(overlap('a/**/b/**/c', '**/b/c'), true);
  assert.equal(overlap('src/\\*.ts', 'src/a.ts'), false);
});

test('syntax it does not model overlaps everything, and is explained', () => {
  assert.match(globProblem('src/+(a|b).ts')!, /extglob/);
  assert.match(globProblem('src/[[:alpha:]].ts')!, /POSIX/);
  assert.equal(globProblem('src/{a,b}/[!x]*.ts'), null);
  assert.equal(overlap('src/+(a|b).ts', 'lib/x.ts'), true);
  assert.equal(overlap('!src/**', 'lib/x.ts'), true);
  assert.equal(overlap('src/[[:alpha:]].ts', 'lib/x.ts'), true);
  assert.equal(overlap('src/[abc', 'lib/x'), true);
});

test('exact paths are compared literally, even with glob characters in them', () => {
  assert.equal(overlaps(path('app/[id]/page.tsx'), path('app/[id]/page.tsx')), true);
  assert.equal(overlaps(path('app/[id]/page.tsx'), path('app/i/page.tsx')), false);
  assert.equal(overlaps(path('app/[id]/page.tsx'), glob('app/**')), true);
  assert.equal(covers(glob('src/**'), 'src/.env'), true, 'dotfiles are covered');
  assert.equal(covers(path('src/a.ts'), 'src/a.tsx'), false);
});

test('index prefixes are the literal directories every match starts with', () => {
  assert.equal(indexPrefix(path('src/a.ts')), 'src/a.ts');
  assert.equal(indexPrefix(glob('src/auth/**')), 'src/auth/');
  assert.equal(indexPrefix(glob('src/auth/*.ts')), 'src/auth/');
  assert.equal(indexPrefix(glob('src/au*/x')), 'src/');
  assert.equal(indexPrefix(glob('{src,lib}/x/*')), '');
  assert.equal(indexPrefix(glob('src/{a,b}/*')), 'src/');
  assert.equal(indexPrefix(glob('**/*.ts')), '');
});

test('patterns matching everything are recognised, however they are spelled', () => {
  for (const p of ['**', '**/*', '*/**', '**/**', '**/?*', '**/*?', '**/*?*', '{**,x}', '{src/**,**}', '{*,*/**}', '{*/*,*/*/**}', '*/**/*', '**/**/*/**'])
    assert.equal(matchesEverything(p), true, p);
  for (const p of ['src/**', '*', '**/*.ts', '*/*', '**/?', '**/??*', '*/*/**', '{*/*,*/*/*/**}', '**/.*', '**/a*'])
    assert.equal(matchesEverything(p), false, p);
  assert.equal(isGlob('src/a.ts'), false);
  assert.equal(isGlob('src/*.ts'), true);
});

test('property: "matches everything" is what the pattern covers, checked against minimatch', () => {
  // Names of 1 to 3 characters, dotted or not, each failing some part below that does not match
  // every name: every combination at depths 2 to 3, and each name repeated at depths 4 to 10 (past
  // what the parts reach without `**`). What "every path" is probed with.
  const names = ['c', 'bc', '.c', 'cbc'];
  const probes: string[] = [];
  const extend = (prefix: string[], depth: number): void => {
    if (prefix.length >= 2) probes.push(prefix.join('/'));
    if (prefix.length < depth) for (const name of names) extend([...prefix, name], depth);
  };
  extend([], 3);
  for (let depth = 4; depth <= 10; depth++) for (const name of names) probes.push(Array(depth).fill(name).join('/'));
  const part = fc.constantFrom('*', '?', '**', '*?', '?*', '??', 'b*', '*b', '.*', '[!c]*', '{*,b}', '{**,c}', '{*/*,*}');
  const universalPattern = fc.array(part, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
  const randomPath = fc
    .array(fc.stringMatching(/^[a-z.]{1,6}$/), { minLength: 2, maxLength: 7 })
    .filter((segments) => !segments.some((segment) => segment === '.' || segment === '..'))
    .map((segments) => segments.join('/'));
  fc.assert(
    fc.property(universalPattern, fc.array(randomPath, { minLength: 1, maxLength: 20 }), (p, paths) => {
      const everything = matchesEverything(p);
      const matcher = new Minimatch(p, { dot: true, nonegate: true, nocomment: true });
      const matches = (path: string) => matcher.match(path);
      if (everything) for (const path of [...paths, ...probes]) assert.ok(matches(path), `${p} said to match everything, but not ${path}`);
      // Only class partitions of names escape it, and the alphabet has none that cover every name.
      else assert.ok(!probes.every(matches), `${p} matches every probe, yet is not said to match everything`);
    }),
    { numRuns: 2000 },
  );
});

// Property tests: generated patterns over a tiny alphabet so that collisions are frequent.
const segmentPart = fc.constantFrom('a', 'b', '.', '*', '?', '[ab]', '[!a]', '[a-c]', '{a,b}', 'a*', '*b');
const segment = fc.oneof(
  { weight: 1, arbitrary: fc.constant('**') },
  { weight: 5, arbitrary: fc.array(segmentPart, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('')) },
);
// Lease patterns never contain `.` or `..` segments: normalizePattern refuses them.
const pattern = fc
  .array(
    segment.filter((s) => s !== '.' && s !== '..'),
    { minLength: 1, maxLength: 4 },
  )
  .map((segments) => segments.join('/'));
const pathArb = fc
  .array(
    fc.array(fc.constantFrom('a', 'b', 'c', '.'), { minLength: 1, maxLength: 3 }).map((chars) => chars.join('')),
    { minLength: 1, maxLength: 5 },
  )
  .map((segments) => segments.join('/'))
  .filter((p) => !p.split('/').some((s) => s === '.' || s === '..'));

test('property: a path matching both patterns means they overlap', () => {
  fc.assert(
    fc.property(pattern, pattern, fc.array(pathArb, { minLength: 1, maxLength: 20 }), (a, b, paths) => {
      const both = paths.find((p) => covers(glob(a), p) && covers(glob(b), p));
      if (both !== undefined) assert.equal(overlap(a, b), true, `${a} and ${b} both match ${both}`);
    }),
    { numRuns: 3000 },
  );
});

// A pattern that matches `path`, made by generalising it: characters become `?` or classes, runs
// become `*`, segments become `**`, and `**` is inserted where it matches zero segments.
const generalisation = (p: string) =>
  fc.array(fc.nat(99), { minLength: p.length * 2 + 8, maxLength: p.length * 2 + 8 }).map((dice) => {
    let roll = 0;
    const next = (): number => dice[roll++ % dice.length]!;
    const out: string[] = [];
    for (const seg of p.split('/')) {
      if (next() < 8) out.push('**');
      const r = next();
      if (r < 10) {
        out.push('**');
        continue;
      }
      if (r < 20) {
        out.push('*');
        continue;
      }
      let text = '';
      for (let i = 0; i < seg.length; i++) {
        const c = seg[i]!;
        const d = next();
        if (d < 15) text += '?';
        else if (d < 25) text += `[${c}x]`;
        else if (d < 30) text += '[!z]';
        else if (d < 40) {
          text += '*';
          i += next() % 2;
        } else text += c === '.' ? '.' : c;
      }
      out.push(text.replace(/\*+/g, '*'));
    }
    return out.join('/');
  });

test('property: two generalisations of one path always overlap', () => {
  const pair = pathArb.chain((p) => fc.tuple(fc.constant(p), generalisation(p), generalisation(p)));
  let checked = 0;
  fc.assert(
    fc.property(pair, ([p, a, b]) => {
      if (!covers(glob(a), p) || !covers(glob(b), p)) return;
      checked++;
      assert.equal(overlap(a, b), true, `${a} and ${b} both match ${p}`);
    }),
    { numRuns: 5000 },
  );
  assert.ok(checked > 2500, `only ${checked} generated pairs matched their path`);
});

test('property: overlap is symmetric, and a pattern overlaps itself', () => {
  fc.assert(
    fc.property(pattern, pattern, (a, b) => {
      assert.equal(overlap(a, b), overlap(b, a));
      assert.equal(overlap(a, a), true);
    }),
    { numRuns: 3000 },
  );
});

test('property: an exact path overlaps a glob exactly when the glob matches it', () => {
  fc.assert(
    fc.property(pattern, pathArb, (a, p) => {
      assert.equal(overlaps(glob(a), path(p)), covers(glob(a), p));
    }),
    { numRuns: 3000 },
  );
});

test('property: every path a pattern matches starts with its index prefix', () => {
  fc.assert(
    fc.property(pattern, fc.array(pathArb, { minLength: 1, maxLength: 20 }), (a, paths) => {
      const prefix = indexPrefix(glob(a));
      for (const p of paths) if (covers(glob(a), p)) assert.ok(p.startsWith(prefix) || `${p}/` === prefix, `${p} matches ${a} but not prefix ${prefix}`);
    }),
    { numRuns: 3000 },
  );
});

test('property: covers decides as minimatch does (the cheap rejects before it are sound)', () => {
  // Literal segments as the ignore list has them (`dist/**`, `**/node_modules/**`), mixed with globs.
  const mixed = fc
    .array(fc.oneof(segment, fc.constantFrom('a', 'b', '.c', 'dist', 'node_modules')), { minLength: 1, maxLength: 4 })
    .map((segments) => segments.join('/'))
    .filter((p) => isGlob(p) && !p.split('/').some((s) => s === '.' || s === '..'));
  const paths = fc
    .array(fc.constantFrom('a', 'b', 'c', '.c', 'ab', 'dist', 'node_modules'), { minLength: 1, maxLength: 5 })
    .map((segments) => segments.join('/'));
  fc.assert(
    fc.property(mixed, paths, (a, p) => {
      assert.equal(covers(glob(a), p), minimatch(p, a, { dot: true, nonegate: true, nocomment: true }), `${a} vs ${p}`);
    }),
    { numRuns: 5000 },
  );
});
