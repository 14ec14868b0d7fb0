// The import rules of lib/ARCHITECTURE.md, checked over the source tree: every relative import of
// every TypeScript file under lib/, hooks/, cli/, bin/ and bench/ is resolved and judged.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';

/** room → the rooms it may import from. */
export type Layering = Map<string, Set<string>>;

export interface CheckOptions {
  /** Imports to judge as if they were in the files (a test of the check itself). */
  extraImports?: Array<{ from: string; spec: string }>;
  /** Report only imports that resolve to no file. */
  unresolvedOnly?: boolean;
}

const BENCH_TEST_SUPPORT = new Set(['test/support/claude-code.ts', 'test/support/postgres.ts', 'test/support/pgbouncer.ts']);
const SOURCE_DIRS = ['lib', 'hooks', 'cli', 'mcp', 'bin', 'bench'];
const IMPORT = /(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*)'(\.{1,2}\/[^']*)'/g;

export function importViolations(root: string, layering: Layering, options: CheckOptions = {}): string[] {
  const imports: Array<{ from: string; spec: string; injected: boolean }> = [];
  for (const file of SOURCE_DIRS.flatMap((dir) => sourceFiles(root, dir))) {
    for (const match of readFileSync(join(root, file), 'utf8').matchAll(IMPORT)) imports.push({ from: file, spec: match[1]!, injected: false });
  }
  for (const extra of options.extraImports ?? []) imports.push({ ...extra, injected: true });

  const violations: string[] = [];
  for (const { from, spec, injected } of imports) {
    const target = resolveImport(root, from, spec);
    const tag = injected ? ' (injected)' : '';
    if (target === null) {
      violations.push(`${from} imports ${spec}, which resolves to no file`);
      continue;
    }
    if (options.unresolvedOnly) continue;
    const problem = judge(from, target, layering);
    if (problem !== null) violations.push(`${from} imports ${target}${tag}: ${problem}`);
  }
  return violations;
}

function judge(from: string, target: string, layering: Layering): string | null {
  const [fromTop, fromRoom] = from.split('/');
  const [targetTop, targetRoom] = target.split('/');
  // The exceptions: the driver of the real Claude Code and the throw-away PostgreSQL server, for
  // benchmarks inside them.
  if (fromTop === 'bench') {
    return targetTop === 'test' && !BENCH_TEST_SUPPORT.has(target)
      ? 'bench/ never imports test/ (but its Claude Code driver, PostgreSQL server and PgBouncer)'
      : null;
  }
  if (fromTop === 'lib') {
    if (targetTop !== 'lib') return 'lib/ never imports hooks/, cli/ or bin/';
    if (!from.includes('/', 4)) return null; // lib/index.ts: the public API re-exports every room
    if (!target.includes('/', 4)) return `lib/ modules never import the public API (${target})`;
    if (fromRoom === targetRoom) return null;
    const allowed = layering.get(fromRoom!);
    if (allowed === undefined) return `lib/${fromRoom}/ is not a room of lib/ARCHITECTURE.md`;
    if (allowed.has(targetRoom!)) return null;
    return allowed.size === 0 ? `${fromRoom} may import nothing from lib/` : `${fromRoom} may import only from ${[...allowed].join(', ')}`;
  }
  if (fromTop === 'hooks' || fromTop === 'cli') {
    return targetTop === 'lib' || targetTop === fromTop || targetTop === 'package.json' ? null : `${fromTop}/ imports only lib/ and ${fromTop}/`;
  }
  if (fromTop === 'mcp') return ['lib', 'hooks', 'mcp', 'package.json'].includes(targetTop!) ? null : 'mcp/ imports only lib/, hooks/ and mcp/';
  if (fromTop === 'bin') return ['hooks', 'cli', 'mcp'].includes(targetTop!) ? null : 'bin/ imports only hooks/, cli/ and mcp/';
  return null;
}

function resolveImport(root: string, from: string, spec: string): string | null {
  // The package manifest, read from the compiled file in dist/ (one level deeper than its source).
  if (spec.endsWith('/package.json')) return 'package.json';
  const base = posix.normalize(posix.join(posix.dirname(from), spec));
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) {
    const full = join(root, candidate);
    if (existsSync(full) && statSync(full).isFile()) return candidate;
  }
  return null;
}

function sourceFiles(root: string, dir: string): string[] {
  const full = join(root, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => relative(root, join(full, name)).split(sep).join('/'));
}
