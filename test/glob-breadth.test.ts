// "Too broad to lease without --force" is decided by what a pattern's brace alternatives cover
// together, not by how each is spelled: alternatives whose names only together cover every name
// (`{[a-m]*,[!a-m]*}`) or every length (`{?,??*}`) are seen, and so is a gap only `.` or `..` would
// fill (git has no such names). Checked against minimatch on every path of a small alphabet.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Minimatch } from 'minimatch';
import { matchesEverything } from '../lib/core/globs';

const WHOLE: Array<[string, string]> = [
  ['**', 'the plain spelling'],
  ['{[a-m]*,[!a-m]*}/**', 'two classes that together take every first letter'],
  ['**/{[a-m]*,[!a-m]*}', 'the same in the last name'],
  ['{*,.*}/**', 'dotted and undotted first names'],
  ['**/{*,.*}', 'dotted and undotted last names'],
  ['{?,??*}/**', 'one-letter names and longer ones'],
  ['{?/**,??*/**}', 'the same, split before the braces'],
  ['{[!.]*,.?*}/**', 'every name but `.`, which git never has'],
  ['{*/?*/**,*/*}', 'depth two, and three or more'],
  ['{[0-9]*,[!0-9]*}/{[a-z]*,[!a-z]*}{,/**}', 'classes in two names'],
  ['{[a-m]*,[n-z]*,[!a-z]*}/**', 'three classes'],
  ['{*[a-m],*[!a-m]}/**', 'classes of the last letter'],
  ['{a*,[!a]*}/**', 'a literal and its complement'],
  ['{**/[a-m]*,**/[!a-m]*}', 'globstars before the classes'],
];

const NOT_WHOLE: Array<[string, string]> = [
  ['*', 'top-level files only'],
  ['{*,.*}', 'top-level files only, dotted or not'],
  ['{[a-m]*,[!a-m]*}', 'top-level files only'],
  ['{[a-m]*,[!a-n]*}/**', 'names starting with n are left out'],
  ['{[a-m]*,[n-z]*}/**', 'names starting with a digit are left out'],
  ['{?,???*}/**', 'two-letter names are left out'],
  ['{[!.]*,..?*}/**', 'names like .a are left out'],
  ['{*/*,*/*/*/**}', 'paths three names deep are left out'],
  ['{a*,[!b]*}/**', 'names starting with b are left out'],
  ['{*[a-m],*[!a-n]}/**', 'names ending in n are left out'],
  ['src/{[a-m]*,[!a-m]*}/**', 'only under src'],
  ['{[0-9]*,[!0-9]*}/{[a-z]*,[!a-z]*}/**', 'paths of two names are left out'],
  ['{**/[a-m]*,**/[!a-n]*}', 'files starting with n are left out'],
];

/** Names over the letters the table's classes cut the alphabet at, every length up to three. */
function names(): string[] {
  const letters = ['a', 'b', 'm', 'n', 'z', '0', '.', '-'];
  const all: string[] = [];
  const extend = (prefix: string): void => {
    if (prefix !== '' && prefix !== '.' && prefix !== '..') all.push(prefix);
    if (prefix.length < 3) for (const letter of letters) extend(prefix + letter);
  };
  extend('');
  return all;
}

/** Every path of two and three names over a few of `names`, and deeper ones made of one name repeated. */
function probes(): string[] {
  const few = ['a', 'n', 'nn', '0', '.a', '.', 'am', 'ab', 'mn', 'z.', '-'].filter((name) => name !== '.');
  const paths: string[] = [];
  for (const first of names()) for (const second of few) paths.push(`${first}/${second}`, `${second}/${first}`);
  for (const a of few) for (const b of few) for (const c of few) paths.push(`${a}/${b}/${c}`);
  for (let depth = 4; depth <= 8; depth++) for (const name of few) paths.push(Array(depth).fill(name).join('/'));
  return paths;
}

test('patterns whose alternatives together cover every path need --force', () => {
  const paths = probes();
  for (const [pattern, why] of WHOLE) {
    assert.equal(matchesEverything(pattern), true, `${pattern}: ${why}`);
    const matcher = new Minimatch(pattern, { dot: true, nonegate: true, nocomment: true });
    const missed = paths.find((path) => !matcher.match(path));
    assert.equal(missed, undefined, `${pattern} is said to cover everything, but minimatch does not match ${missed}`);
  }
});

test('patterns that leave some path out are leasable, and minimatch finds the path they leave out', () => {
  const paths = probes();
  for (const [pattern, why] of NOT_WHOLE) {
    assert.equal(matchesEverything(pattern), false, `${pattern}: ${why}`);
    const matcher = new Minimatch(pattern, { dot: true, nonegate: true, nocomment: true });
    assert.ok(
      paths.some((path) => !matcher.match(path)),
      `${pattern}: ${why}, yet minimatch matches every probe`,
    );
  }
});

test('a pattern too intricate to judge within the bound counts as covering everything', () => {
  // Names containing a, b, c, …: each segment remembers one letter, so the names fall into 2^k
  // classes. With 5 letters that is judged (a name with none of them is left out); with 16 it is
  // past the bound, and needs --force rather than slipping by unjudged.
  const containing = (count: number) => `{${Array.from({ length: count }, (_, i) => `*${String.fromCharCode(97 + i)}*`).join(',')}}/**`;
  assert.equal(matchesEverything(containing(5)), false);
  assert.equal(matchesEverything(containing(16)), true);
});
