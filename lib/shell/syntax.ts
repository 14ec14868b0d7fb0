// A shell command's syntax tree, from tree-sitter's bash grammar (the native `tree-sitter` and
// `tree-sitter-bash` packages: prebuilt for Linux, macOS and Windows, no network, about 10 ms to
// load here). The tree is copied once into plain objects through a cursor, which is several times
// faster than walking tree-sitter's own node objects; nothing outside this module sees tree-sitter.
// The packages are required on the first parse only: the hooks load this module for Bash events.
import { dirname, join } from 'node:path';

export interface SyntaxNode {
  type: string;
  /** The grammar's field name for this child (`name`, `argument`, `redirect`, `destination`, ...). */
  field: string | null;
  /** UTF-16 offsets into the source, as String.prototype.slice takes them. */
  start: number;
  end: number;
  children: SyntaxNode[];
}

export interface ParsedShell {
  source: string;
  root: SyntaxNode;
  /** Whether the grammar had to recover from a syntax error somewhere. */
  hasErrors: boolean;
}

interface TreeCursor {
  nodeType: string;
  nodeIsMissing: boolean;
  currentFieldName: string | null | undefined;
  startIndex: number;
  endIndex: number;
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
}

interface Parser {
  parse(source: string): { walk(): TreeCursor; rootNode: { hasError: boolean } };
}

let parser: Parser | null = null;

function bashParser(): Parser {
  if (parser !== null) return parser;
  const made = new (treeSitter())();
  made.setLanguage(bashLanguage());
  parser = made;
  return made;
}

type ParserClass = new () => Parser & { setLanguage(language: unknown): void };

/**
 * tree-sitter's Parser. Its entry point finds its addon through node-gyp-build, whose loading and
 * directory listing cost about 3 ms of every Bash call; it is given the addon where
 * node-gyp-build would find it first (the build made at install, then the prebuilt one for this
 * platform), and node-gyp-build itself only when neither loads.
 */
function treeSitter(): ParserClass {
  const entry = require.resolve('tree-sitter');
  const root = dirname(entry);
  const built = [
    join(root, 'build', 'Release', 'tree_sitter_runtime_binding.node'),
    join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'tree-sitter.node'),
  ];
  const findAddon = (dir: string): unknown => {
    for (const file of built) {
      try {
        return require(file);
      } catch {
        // Not built here, or not loadable on this system: the next place.
      }
    }
    return (require('node-gyp-build') as (dir: string) => unknown)(dir);
  };
  const Module = require('node:module') as typeof import('node:module') & { wrap(source: string): string };
  const base = Module.createRequire(entry);
  const entryRequire = Object.assign((id: string) => (id === 'node-gyp-build' ? findAddon : base(id)), base);
  const loaded = { exports: {} as ParserClass };
  const { runInThisContext } = require('node:vm') as typeof import('node:vm');
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  (runInThisContext(Module.wrap(readFileSync(entry, 'utf8')), { filename: entry }) as (...args: unknown[]) => void)(
    loaded.exports,
    entryRequire,
    loaded,
    entry,
    root,
  );
  return loaded.exports;
}

/**
 * The grammar, loaded from the prebuilt addon the package ships for this platform, as its own
 * entry point does under Bun; else through that entry point, which finds or builds the addon with
 * node-gyp-build (a few milliseconds more). Either way without the package's node-type table: with
 * it, setLanguage generates a JavaScript class per node type (about 6 ms), and this module reads
 * types and fields from the cursor.
 */
function bashLanguage(): unknown {
  const root = dirname(require.resolve('tree-sitter-bash/package.json'));
  try {
    return require(join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'tree-sitter-bash.node'));
  } catch {
    const bash = require('tree-sitter-bash') as { nodeTypeInfo?: unknown };
    delete bash.nodeTypeInfo;
    return bash;
  }
}

export function parseShell(source: string): ParsedShell {
  const tree = bashParser().parse(source);
  const cursor = tree.walk();
  let hasErrors = tree.rootNode.hasError;
  const copy = (): SyntaxNode => {
    const node: SyntaxNode = { type: cursor.nodeType, field: cursor.currentFieldName ?? null, start: cursor.startIndex, end: cursor.endIndex, children: [] };
    if (cursor.nodeIsMissing) hasErrors = true;
    if (cursor.gotoFirstChild()) {
      // Anonymous children (`;`, `&&`, `>>`) are kept: the operators are what tell `>` from `>>`.
      do node.children.push(copy());
      while (cursor.gotoNextSibling());
      cursor.gotoParent();
    }
    return node;
  };
  const root = copy();
  return { source, root, hasErrors };
}

/** The source text of a node. */
export function textOf(parsed: ParsedShell, node: SyntaxNode): string {
  return parsed.source.slice(node.start, node.end);
}
