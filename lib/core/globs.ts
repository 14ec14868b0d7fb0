// Glob patterns over repository-relative POSIX paths: matching, literal prefixes for indexing, and a
// sound overlap test ("can some path match both?"). Matching follows minimatch with `dot: true`;
// the overlap test over-approximates it: when in doubt, patterns overlap.
import type { Minimatch } from 'minimatch';

const MATCH_OPTIONS = { dot: true, nonegate: true, nocomment: true } as const;
const MAX_EXPANSIONS = 256;
/**
 * Leasable globs are bounded so that matching one costs a bounded amount whatever the path: at most
 * MAX_EXPANSIONS brace alternatives (expanded with a cap, never in full), MAX_GLOB_LENGTH characters.
 * Matching itself (below) is linear in the path's and the pattern's lengths, never a backtracking
 * regular expression: minimatch's regex for `*a*a*a*b` takes seconds on a 200-character name.
 */
export const MAX_GLOB_LENGTH = 1024;
const MAGIC = /[*?[\]{}()!+@\\]/;

/** What a lease is on: one exact path (even if it contains `[` or `*`), or a glob. */
export interface LeaseTarget {
  pattern: string;
  glob: boolean;
}

export function isGlob(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/** Whether any of the globs matches `path` (used for the never-leased `ignore` list). */
export function matchesAny(globs: readonly string[], path: string): boolean {
  return globs.some((pattern) => covers({ pattern, glob: isGlob(pattern) }, path));
}

export function covers(target: LeaseTarget, path: string): boolean {
  if (!target.glob) return target.pattern === path;
  if (!lastSegmentFits(target.pattern, path) || !literalSegmentsFit(target.pattern, path)) return false;
  const parsed = memo(MATCHABLE, target.pattern, matchable);
  const names = path.split('/');
  if (parsed === null || names.some(isDotOrEmpty)) return compiled(target.pattern).match(path);
  return parsed.some((segments) => segmentsMatch(segments, names));
}

// Patterns this module matches itself: those it can parse whose alternatives have no empty, `.`
// or `..` segments, against paths without them (lease patterns and repository paths never have
// them). The rest (an extglob in the ignore list, say) go to minimatch.
const MATCHABLE = new Map<string, Segment[][] | null>();

function matchable(pattern: string): Segment[][] | null {
  const alternatives = expandBraces(pattern);
  if (alternatives === null || alternatives.some((alternative) => alternative.split('/').some(isDotOrEmpty))) return null;
  const parsed = parsePattern(pattern);
  return 'problem' in parsed ? null : parsed.alternatives;
}

function isDotOrEmpty(name: string): boolean {
  return name === '' || name === '.' || name === '..';
}

/**
 * Whether one alternative matches a path's names, as minimatch (dot: true) decides: `**` spans
 * zero or more names, or one or more when it ends the pattern (`a/**` does not match `a`). A table
 * over (pattern segment, path name), filled from the end: O(segments × names) name matches.
 */
function segmentsMatch(segments: Segment[], names: string[]): boolean {
  const width = names.length + 1;
  const table = new Uint8Array((segments.length + 1) * width);
  table[segments.length * width + names.length] = 1;
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i]!;
    for (let j = names.length; j >= 0; j--) {
      let result: boolean;
      if (segment.kind === 'globstar') {
        result = i === segments.length - 1 ? j < names.length : table[(i + 1) * width + j] === 1 || (j < names.length && table[i * width + j + 1] === 1);
      } else {
        result = j < names.length && table[(i + 1) * width + j + 1] === 1 && tokensMatch(segment.tokens, names[j]!);
      }
      table[i * width + j] = result ? 1 : 0;
    }
  }
  return table[0] === 1;
}

/** Whether one segment's tokens match a non-empty name: the set of token positions reached, one UTF-16 unit at a time (as minimatch's regex reads). */
function tokensMatch(tokens: SegmentToken[], name: string): boolean {
  if (name.length === 0) return false;
  let states: Uint8Array | null = startTokens(tokens);
  for (let k = 0; k < name.length && states !== null; k++) states = stepTokens(tokens, states, name.charCodeAt(k));
  return states !== null && states[tokens.length] === 1;
}

/** The token positions reached before any character. */
function startTokens(tokens: SegmentToken[]): Uint8Array {
  return closure(tokens, new Uint8Array(tokens.length + 1), 0);
}

/** The token positions reached from `states` by one more character, or null when none is. */
function stepTokens(tokens: SegmentToken[], states: Uint8Array, code: number): Uint8Array | null {
  const next = new Uint8Array(tokens.length + 1);
  let any = false;
  for (let i = 0; i < tokens.length; i++) {
    if (states[i] !== 1) continue;
    const token = tokens[i]!;
    if (token.kind === 'star') next[i] = 1;
    else if (token.kind === 'any' || (token.kind === 'literal' ? token.char.charCodeAt(0) === code : classContains(token, code))) next[i + 1] = 1;
    else continue;
    any = true;
  }
  if (!any) return null;
  for (let i = 0; i < tokens.length; i++) if (next[i] === 1) closure(tokens, next, i);
  return next;
}

/** Marks `from` reached, and every position after stars that can match nothing. */
function closure(tokens: SegmentToken[], states: Uint8Array, from: number): Uint8Array {
  let i = from;
  states[i] = 1;
  while (i < tokens.length && tokens[i]!.kind === 'star') states[++i] = 1;
  return states;
}

// What a glob's literal segments (no glob syntax at all) demand of a path: the leading ones are
// its first segments, and each one is one of its segments. Another sound reject; it keeps
// minimatch from being loaded at all for the ignore list (`dist/**`, `**/node_modules/**`) on
// nearly every path a hook sees.
const LITERAL_SEGMENTS = new Map<string, { leading: string[]; all: string[] } | null>();

function literalSegmentsFit(pattern: string, path: string): boolean {
  const literals = memo(LITERAL_SEGMENTS, pattern, literalSegments);
  if (literals === null) return true;
  const segments = path.split('/');
  return literals.leading.every((segment, i) => segments[i] === segment) && literals.all.every((segment) => segments.includes(segment));
}

function literalSegments(pattern: string): { leading: string[]; all: string[] } | null {
  const segments = pattern.split('/');
  // As for the name bounds: `.`, `..` and empty segments, and braces (which may span a slash), are minimatch's.
  if (pattern.includes('{') || segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return null;
  const firstGlob = segments.findIndex((segment) => MAGIC.test(segment));
  return {
    leading: firstGlob === -1 ? segments : segments.slice(0, firstGlob),
    all: segments.filter((segment) => !MAGIC.test(segment)),
  };
}

// What a glob's last segment demands of a path's file name, when that segment has only literals,
// `*` and `?` (and the glob no braces): literal text to start and to end with. A sound reject
// costing a few string compares, which spares compiling the many globs a path cannot match (a
// 1,000-file commit meets over a thousand candidate globs).
const NAME_BOUNDS = new Map<string, { head: string; tail: string } | null>();

function lastSegmentFits(pattern: string, path: string): boolean {
  const bounds = memo(NAME_BOUNDS, pattern, nameBounds);
  if (bounds === null) return true;
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.length >= bounds.head.length + bounds.tail.length && name.startsWith(bounds.head) && name.endsWith(bounds.tail);
}

function nameBounds(pattern: string): { head: string; tail: string } | null {
  const segments = pattern.split('/');
  const last = segments.at(-1)!;
  // minimatch folds `.`, `..` and empty segments away before matching: leave such patterns to it.
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return null;
  if (pattern.includes('{') || last.includes('**') || /[[\]()!+@\\]/.test(last)) return null;
  const first = last.search(/[*?]/);
  if (first === -1) return { head: last, tail: '' };
  return { head: last.slice(0, first), tail: last.slice(Math.max(last.lastIndexOf('*'), last.lastIndexOf('?')) + 1) };
}

// Compiling a glob costs far more than matching it, and the same leases are matched over and over
// (a guard checks every staged path against them).
const MATCHERS = new Map<string, Minimatch>();
const MAX_MATCHERS = 10_000;

function compiled(pattern: string): Minimatch {
  return memo(MATCHERS, pattern, () => {
    const { Minimatch } = require('minimatch') as typeof import('minimatch');
    return new Minimatch(pattern, MATCH_OPTIONS);
  });
}

/** `cache`'s value for `pattern`, computed on first use; a cache grown past MAX_MATCHERS starts over. */
function memo<T>(cache: Map<string, T>, pattern: string, compute: (pattern: string) => T): T {
  let value = cache.get(pattern);
  if (value === undefined) {
    if (cache.size >= MAX_MATCHERS) cache.clear();
    value = compute(pattern);
    cache.set(pattern, value);
  }
  return value;
}

// A single character position inside one path segment.
type CharToken = { kind: 'literal'; char: string } | { kind: 'any' } | { kind: 'class'; negated: boolean; ranges: Array<[number, number]> };
type SegmentToken = CharToken | { kind: 'star' };
type Segment = { kind: 'globstar' } | { kind: 'tokens'; tokens: SegmentToken[] };

/** A pattern's brace alternatives as segments, or why this module cannot model it. */
type ParsedPattern = { alternatives: Segment[][] } | { problem: string };

class UnmodelledSyntax extends Error {}

export function overlaps(a: LeaseTarget, b: LeaseTarget): boolean {
  if (!a.glob) return covers(b, a.pattern);
  if (!b.glob) return covers(a, b.pattern);
  const left = parsePattern(a.pattern);
  const right = parsePattern(b.pattern);
  // What cannot be modelled may match anything: it overlaps everything, never nothing.
  if ('problem' in left || 'problem' in right) return true;
  return left.alternatives.some((x) => right.alternatives.some((y) => segmentsOverlap(x, y)));
}

/**
 * The longest directory prefix every path matching `pattern` starts with, for index lookups:
 * the whole path for an exact path, `src/auth/` for `src/auth/**`, `` when nothing is literal.
 */
export function indexPrefix(target: LeaseTarget): string {
  if (!target.glob) return target.pattern;
  const alternatives = expandBraces(target.pattern);
  if (alternatives === null) return '';
  const prefixes = alternatives.map(directoryPrefix);
  return prefixes.reduce(commonDirectoryPrefix);
}

/**
 * Every index prefix a lease overlapping `target` can have that is not below the target's own
 * prefix: its ancestor directories and the prefix itself. (Leases indexed below a glob's prefix
 * are found by a range scan.)
 */
export function ancestorPrefixes(prefix: string): string[] {
  const prefixes = [''];
  let slash = prefix.indexOf('/');
  while (slash !== -1) {
    // An exact lease on the directory itself (`src`) is covered by `src/**` too.
    prefixes.push(prefix.slice(0, slash), prefix.slice(0, slash + 1));
    slash = prefix.indexOf('/', slash + 1);
  }
  if (prefixes.at(-1) !== prefix) prefixes.push(prefix);
  return prefixes;
}

/**
 * Whether a glob covers the whole repository, however it is spelled (`**`, `**\/?*`, `*\/**`,
 * `{**,x}`, `{*,*\/**}`, `{[a-m]*,[!a-m]*}/**`): too broad to lease without force. "Whole" means
 * every path below the top level, and so every file of every directory (`*\/**` leaves out only
 * the top-level files).
 *
 * Decided by what the brace alternatives cover together, exactly. Names fall into finitely many
 * classes: which of the pattern's segments a name matches, found by running every segment's
 * automaton at once over one character of each range the pattern's literals and classes cut the
 * alphabet into (`.` and `..` left out: git has no such names). Read as automata over those
 * classes, the alternatives must together accept every path of two names or more (a subset
 * construction). A pattern too intricate to judge within MAX_COVERAGE_* counts as covering
 * everything: it needs `--force`, it never slips by.
 */
export function matchesEverything(pattern: string): boolean {
  const parsed = parsePattern(pattern);
  if ('problem' in parsed) return false;
  return coversEveryPath(parsed.alternatives) !== false;
}

/**
 * What judging one pattern may cost, states explored and token positions stepped (a fifth of a
 * second at most on the development machine); past either, the pattern is too intricate to judge.
 */
const MAX_COVERAGE_STATES = 20_000;
const MAX_COVERAGE_WORK = 300_000;
/** Past the last UTF-16 unit: minimatch compares a path one unit at a time. */
const UNITS_END = 0x10000;

/** The distinct segments of the alternatives (by their tokens), and each alternative as their indexes (-1 for `**`). */
function numberSegments(alternatives: Segment[][]): { segments: SegmentToken[][]; alternatives: number[][] } {
  const ids = new Map<string, number>();
  const segments: SegmentToken[][] = [];
  const numbered = alternatives.map((alternative) =>
    alternative.map((segment) => {
      if (segment.kind === 'globstar') return -1;
      const key = JSON.stringify(segment.tokens);
      let id = ids.get(key);
      if (id === undefined) {
        id = segments.length;
        ids.set(key, id);
        segments.push(segment.tokens);
      }
      return id;
    }),
  );
  return { segments, alternatives: numbered };
}

/** One unit of each range of UTF-16 units that every token treats alike, `.` alone in its own; never `/` nor NUL. */
function representativeUnits(segments: SegmentToken[][]): number[] {
  const cuts = new Set([0, 1, 0x2e, 0x2f, 0x30, UNITS_END]);
  for (const token of segments.flat()) {
    if (token.kind === 'literal') {
      const code = token.char.charCodeAt(0);
      cuts.add(code).add(code + 1);
    } else if (token.kind === 'class') {
      for (const [low, high] of token.ranges) cuts.add(Math.min(low, UNITS_END)).add(Math.min(high + 1, UNITS_END));
    }
  }
  return [...cuts].sort((a, b) => a - b).filter((code) => code !== 0 && code !== 0x2f && code !== UNITS_END);
}

type NameState = { tokens: Array<Uint8Array | null>; dots: 'none' | 'dot' | 'dotdot' | 'name' };

/**
 * The classes of names: for each name git can have, which segments match it (a string of 0s and
 * 1s); every class some name falls in, once. Null when there are too many states to tell.
 */
function nameClasses(segments: SegmentToken[][]): string[] | null {
  const units = representativeUnits(segments);
  const costPerState = units.length * segments.reduce((sum, tokens) => sum + tokens.length + 1, 0);
  let work = 0;
  const keyOf = (state: NameState) => `${state.dots}|${state.tokens.map((t) => (t === null ? '-' : t.join(''))).join('|')}`;
  const classes = new Set<string>();
  const start: NameState = { tokens: segments.map(startTokens), dots: 'none' };
  const seen = new Set([keyOf(start)]);
  const queue = [start];
  while (queue.length > 0) {
    const state = queue.pop()!;
    work += costPerState;
    if (work > MAX_COVERAGE_WORK) return null;
    if (state.dots === 'name') classes.add(state.tokens.map((t, i) => (t?.[segments[i]!.length] === 1 ? '1' : '0')).join(''));
    for (const code of units) {
      const dots = code !== 0x2e ? 'name' : state.dots === 'none' ? 'dot' : state.dots === 'dot' ? 'dotdot' : 'name';
      const next: NameState = { tokens: state.tokens.map((t, i) => (t === null ? null : stepTokens(segments[i]!, t, code))), dots };
      const key = keyOf(next);
      if (seen.has(key)) continue;
      if (seen.size >= MAX_COVERAGE_STATES) return null;
      seen.add(key);
      queue.push(next);
    }
  }
  return [...classes];
}

/**
 * Whether the alternatives together match every path of two names or more (each as segmentsMatch
 * decides: `**` spans zero or more names, one or more when it ends the alternative); null when
 * that takes too many states to tell. A state is an alternative and how many of its segments are
 * matched; all of them is accepting.
 */
function coversEveryPath(parsed: Segment[][]): boolean | null {
  const { segments, alternatives } = numberSegments(parsed);
  const classes = nameClasses(segments);
  if (classes === null) return null;
  const width = Math.max(...alternatives.map((alternative) => alternative.length)) + 1;
  const alternativeOf = (state: number) => alternatives[Math.floor(state / width)]!;
  const withSkips = (states: Set<number>): Set<number> => {
    // A `**` that does not end its alternative may match no name. (The set grows as it is read.)
    for (const state of states) {
      const alternative = alternativeOf(state);
      const i = state % width;
      if (alternative[i] === -1 && i < alternative.length - 1) states.add(state + 1);
    }
    return states;
  };
  const step = (states: Set<number>, name: string): Set<number> => {
    const next = new Set<number>();
    for (const state of states) {
      const alternative = alternativeOf(state);
      const i = state % width;
      if (i === alternative.length) {
        if (alternative.at(-1) === -1) next.add(state);
      } else if (alternative[i] === -1) {
        next.add(i === alternative.length - 1 ? state + 1 : state);
      } else if (name[alternative[i]!] === '1') {
        next.add(state + 1);
      }
    }
    return withSkips(next);
  };
  const accepts = (states: Set<number>) => [...states].some((state) => state % width === alternativeOf(state).length);
  const start = withSkips(new Set(alternatives.map((_, a) => a * width)));
  const keyOf = (states: Set<number>, depth: number) => `${depth}:${[...states].sort((a, b) => a - b).join(',')}`;
  const seen = new Set([keyOf(start, 0)]);
  const queue: Array<[Set<number>, number]> = [[start, 0]];
  let work = 0;
  while (queue.length > 0) {
    const [states, depth] = queue.pop()!;
    work += classes.length * states.size;
    if (work > MAX_COVERAGE_WORK) return null;
    for (const name of classes) {
      const next = step(states, name);
      const nextDepth = Math.min(depth + 1, 2);
      if (nextDepth === 2 && !accepts(next)) return false;
      const key = keyOf(next, nextDepth);
      if (seen.has(key)) continue;
      if (seen.size >= MAX_COVERAGE_STATES) return null;
      seen.add(key);
      queue.push([next, nextDepth]);
    }
  }
  return true;
}

function directoryPrefix(alternative: string): string {
  if (!isGlob(alternative)) return alternative;
  const segments = alternative.split('/');
  let prefix = '';
  for (const segment of segments) {
    if (isGlob(segment)) break;
    prefix += `${segment}/`;
  }
  return prefix;
}

function commonDirectoryPrefix(a: string, b: string): string {
  if (a === b) return a;
  let end = 0;
  for (let i = 0; i < Math.min(a.length, b.length) && a[i] === b[i]; i++) {
    if (a[i] === '/') end = i + 1;
  }
  return a.slice(0, end);
}

/** Why a glob cannot be leased (negation, extglob, malformed classes, ...), or null when it can. */
export function globProblem(pattern: string): string | null {
  const parsed = parsePattern(pattern);
  return 'problem' in parsed ? parsed.problem : null;
}

function expandBraces(pattern: string): string[] | null {
  if (!pattern.includes('{')) return [pattern];
  const { braceExpand } = require('minimatch') as typeof import('minimatch');
  // Capped while expanding: `{a,b}` forty times over would be 2^40 alternatives.
  const expanded = braceExpand(pattern, { braceExpandMax: MAX_EXPANSIONS + 1 });
  return expanded.length > MAX_EXPANSIONS ? null : expanded;
}

function parsePattern(pattern: string): ParsedPattern {
  try {
    return { alternatives: parseAlternatives(pattern) };
  } catch (error) {
    if (error instanceof UnmodelledSyntax) return { problem: error.message };
    throw error;
  }
}

function parseAlternatives(pattern: string): Segment[][] {
  if (pattern.startsWith('!')) throw new UnmodelledSyntax('negated patterns cannot be leased');
  if (pattern.length > MAX_GLOB_LENGTH) throw new UnmodelledSyntax(`longer than ${MAX_GLOB_LENGTH} characters`);
  const alternatives = expandBraces(pattern);
  if (alternatives === null) throw new UnmodelledSyntax(`braces expand to more than ${MAX_EXPANSIONS} alternatives`);
  const parsed: Segment[][] = [];
  for (const alternative of alternatives) {
    const segments: Segment[] = [];
    for (const text of alternative.split('/')) {
      if (text === '' || text === '.') continue;
      if (text === '**') {
        if (segments.at(-1)?.kind !== 'globstar') segments.push({ kind: 'globstar' });
        continue;
      }
      segments.push({ kind: 'tokens', tokens: tokenizeSegment(text) });
    }
    parsed.push(segments);
  }
  return parsed;
}

function tokenizeSegment(text: string): SegmentToken[] {
  const tokens: SegmentToken[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if ('@!+*?'.includes(c) && text[i + 1] === '(') throw new UnmodelledSyntax('extglob groups like +(a|b) are not supported; use braces: {a,b}');
    if (c === '\\') {
      i++;
      if (i >= text.length) throw new UnmodelledSyntax('ends with a lone backslash');
      tokens.push({ kind: 'literal', char: text[i]! });
    } else if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') {
      tokens.push({ kind: 'any' });
    } else if (c === '[') {
      const parsed = parseClass(text, i);
      tokens.push(parsed.token);
      i = parsed.end;
    } else {
      tokens.push({ kind: 'literal', char: c });
    }
  }
  return tokens;
}

function parseClass(text: string, start: number): { token: CharToken; end: number } {
  let i = start + 1;
  const negated = text[i] === '!' || text[i] === '^';
  if (negated) i++;
  const ranges: Array<[number, number]> = [];
  let first = true;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === ']' && !first) return { token: { kind: 'class', negated, ranges }, end: i };
    first = false;
    if (c === '[' && text[i + 1] === ':') throw new UnmodelledSyntax('POSIX classes like [[:alpha:]] are not supported; use ranges: [a-zA-Z]');
    let low = c;
    if (c === '\\') {
      i++;
      if (i >= text.length) break;
      low = text[i]!;
    }
    let high = low;
    if (text[i + 1] === '-' && i + 2 < text.length && text[i + 2] !== ']') {
      high = text[i + 2]!;
      i += 2;
      if (high === '\\') {
        i++;
        if (i >= text.length) break;
        high = text[i]!;
      }
    }
    ranges.push([low.codePointAt(0)!, high.codePointAt(0)!]);
  }
  throw new UnmodelledSyntax('a [ character class is not closed');
}

function segmentsOverlap(a: Segment[], b: Segment[]): boolean {
  const memo = new Map<number, boolean>();
  const width = b.length + 1;
  const visit = (i: number, j: number): boolean => {
    const key = i * width + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    memo.set(key, false);
    let result = false;
    if (i === a.length && j === b.length) result = true;
    else if (a[i]?.kind === 'globstar') result = visit(i + 1, j) || (j < b.length && visit(i, j + 1));
    else if (b[j]?.kind === 'globstar') result = visit(i, j + 1) || (i < a.length && visit(i + 1, j));
    else if (i < a.length && j < b.length) {
      const x = a[i] as { kind: 'tokens'; tokens: SegmentToken[] };
      const y = b[j] as { kind: 'tokens'; tokens: SegmentToken[] };
      result = tokensOverlap(x.tokens, y.tokens) && visit(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return visit(0, 0);
}

/** Whether two single-segment patterns can match a common non-empty string: a product automaton. */
function tokensOverlap(a: SegmentToken[], b: SegmentToken[]): boolean {
  const width = b.length + 1;
  const seen = new Set<number>();
  const stack: Array<[number, number, boolean]> = [[0, 0, false]];
  while (stack.length > 0) {
    const [i, j, consumed] = stack.pop()!;
    const key = (i * width + j) * 2 + (consumed ? 1 : 0);
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === a.length && j === b.length && consumed) return true;
    const x = a[i];
    const y = b[j];
    if (x?.kind === 'star') stack.push([i + 1, j, consumed]);
    if (y?.kind === 'star') stack.push([i, j + 1, consumed]);
    if (x !== undefined && y !== undefined && charsOverlap(x, y)) {
      stack.push([x.kind === 'star' ? i : i + 1, y.kind === 'star' ? j : j + 1, true]);
    }
  }
  return false;
}

function charsOverlap(x: SegmentToken, y: SegmentToken): boolean {
  if (x.kind === 'star' || x.kind === 'any') return canMatchSomeChar(y);
  if (y.kind === 'star' || y.kind === 'any') return canMatchSomeChar(x);
  if (x.kind === 'literal' && y.kind === 'literal') return x.char === y.char;
  if (x.kind === 'literal') return classContains(y as ClassToken, x.char.codePointAt(0)!);
  if (y.kind === 'literal') return classContains(x, y.char.codePointAt(0)!);
  return classesIntersect(x, y as ClassToken);
}

type ClassToken = Extract<CharToken, { kind: 'class' }>;

function canMatchSomeChar(t: SegmentToken): boolean {
  return t.kind !== 'class' || t.negated || t.ranges.some(([low, high]) => low <= high);
}

function classContains(t: ClassToken, code: number): boolean {
  const inRanges = t.ranges.some(([low, high]) => low <= code && code <= high);
  return inRanges !== t.negated;
}

function classesIntersect(x: ClassToken, y: ClassToken): boolean {
  if (x.negated && y.negated) return true;
  if (!x.negated && !y.negated) {
    return x.ranges.some(([a, b]) => y.ranges.some(([c, d]) => Math.max(a, c) <= Math.min(b, d)));
  }
  const [positive, negative] = x.negated ? [y, x] : [x, y];
  // Is some code point of the positive class outside every range of the negated one?
  for (const [low, high] of positive.ranges) {
    let next = low;
    const blocking = negative.ranges.filter(([a, b]) => b >= low && a <= high).sort((p, q) => p[0] - q[0]);
    for (const [a, b] of blocking) {
      if (a > next) return true;
      next = Math.max(next, b + 1);
    }
    if (next <= high) return true;
  }
  return false;
}
