// The files a shell command would write, found before it runs: its redirections and the commands
// that write files (writers.ts), wherever they stand — in lists, pipelines, subshells, command
// substitutions, loops, `bash -c '…'` — each resolved against the directory it would run in, with
// `cd` followed along the way (a subshell's or a pipeline element's `cd` ends with it). What cannot
// be known before the command runs (a name made by an expansion, `eval`, a script) is left out.
import { basename } from 'node:path';
import { firstLine } from '../util/text';
import { scanOptions } from './options';
import { parseShell, textOf, type ParsedShell, type SyntaxNode } from './syntax';
import { pathOf, target, type Place, type Target } from './targets';
import { wordOf, type Word } from './words';
import { innerCommand } from './wrappers';
import { writesOf } from './writers';

export interface PlannedWrite extends Target {
  /** The part of the command that would write it, as written (its first line). */
  part: string;
}

export interface ShellPlan {
  writes: PlannedWrite[];
  /** False when the command has a syntax error: the shell would refuse it, and nothing is planned. */
  parsed: boolean;
}

/** The writes of `command` run in `cwd` (absolute). */
export function plannedWrites(command: string, cwd: string): ShellPlan {
  const parsed = parseShell(command);
  if (parsed.hasErrors) return { writes: [], parsed: false };
  const writes: PlannedWrite[] = [];
  visit({ parsed, writes }, parsed.root, { cwd });
  return { writes, parsed: true };
}

interface Walk {
  parsed: ParsedShell;
  writes: PlannedWrite[];
}

/** The directory the walk is in at this point of the command (null after a `cd` to somewhere unknown). */
interface Scope {
  cwd: string | null;
}

const WRITE_OPERATORS = new Set(['>', '>>', '&>', '&>>', '>|', '<>', '>&']);
const REDIRECTS = new Set(['file_redirect', 'heredoc_redirect', 'herestring_redirect']);

function visit(walk: Walk, node: SyntaxNode, scope: Scope): void {
  switch (node.type) {
    case 'subshell':
    case 'command_substitution':
    case 'process_substitution':
    case 'function_definition':
      for (const child of node.children) visit(walk, child, { ...scope });
      return;
    case 'pipeline':
      // Every element of a pipeline runs in a subshell of its own.
      for (const child of node.children) visit(walk, child, { ...scope });
      return;
    case 'redirected_statement':
      redirectedStatement(walk, node, scope);
      return;
    case 'command':
      simpleCommand(walk, node, scope, [], null);
      return;
    case 'file_redirect':
    case 'heredoc_redirect':
    case 'herestring_redirect':
      redirect(walk, node, { cwd: scope.cwd, stdin: null }, firstLine(textOf(walk.parsed, node)), scope);
      return;
    case 'heredoc_body':
      return;
    default:
      for (const child of node.children) visit(walk, child, scope);
  }
}

function redirectedStatement(walk: Walk, node: SyntaxNode, scope: Scope): void {
  const body = node.children.find((child) => child.field === 'body');
  const redirects = node.children.filter((child) => REDIRECTS.has(child.type));
  if (body?.type === 'list') {
    // The grammar hangs a redirection after `a && b > f` on the whole list; the shell applies it to
    // the last command, so it is resolved where the list ends (after any `cd` in it).
    visit(walk, body, scope);
    const last = body.children.at(-1)!;
    const lastPart = firstLine(walk.parsed.source.slice(last.start, node.end));
    for (const r of redirects) redirect(walk, r, { cwd: scope.cwd, stdin: null }, lastPart, scope);
    return;
  }
  const part = firstLine(textOf(walk.parsed, node));
  const place: Place = { cwd: scope.cwd, stdin: stdinOf(walk, redirects) };
  for (const r of redirects) redirect(walk, r, place, part, scope);
  if (body === undefined) return;
  if (body.type === 'command') simpleCommand(walk, body, scope, extraArguments(walk, redirects), place.stdin);
  else visit(walk, body, scope);
}

function redirect(walk: Walk, node: SyntaxNode, place: Place, part: string, scope: Scope): void {
  if (node.type !== 'file_redirect') {
    // A heredoc's line may go on with more redirections and the rest of a pipeline or list.
    for (const child of node.children) {
      if (child.type === 'file_redirect') redirect(walk, child, place, part, scope);
      else if (child.type !== 'heredoc_body') visit(walk, child, scope);
    }
    return;
  }
  const destination = node.children.find((child) => child.field === 'destination');
  if (destination === undefined) return;
  visit(walk, destination, { ...scope });
  const operator = node.children.find((child) => WRITE_OPERATORS.has(child.type) || child.type.startsWith('<'))?.type;
  if (operator === undefined || !WRITE_OPERATORS.has(operator)) return;
  // `>&2` duplicates a descriptor; `>&file` writes the file as `&>` does.
  if (operator === '>&' && (destination.type === 'number' || textOf(walk.parsed, destination) === '-')) return;
  for (const written of target(place, wordOf(walk.parsed, destination))) walk.writes.push({ ...written, part });
}

function simpleCommand(walk: Walk, node: SyntaxNode, scope: Scope, extra: Word[], stdin: Word | null): void {
  let name: Word | null = null;
  const args: Word[] = [];
  for (const child of node.children) {
    if (child.field === 'name') name = wordOf(walk.parsed, child.children[0] ?? child);
    else if (child.field === 'argument') args.push(wordOf(walk.parsed, child));
    else if (REDIRECTS.has(child.type)) redirect(walk, child, { cwd: scope.cwd, stdin }, firstLine(textOf(walk.parsed, node)), scope);
    // Expansions in arguments and assignments run commands of their own.
    if (!REDIRECTS.has(child.type)) visit(walk, child, { ...scope });
  }
  if (name === null || name.value === null) return;
  args.push(...extra);
  const command = basename(name.value);
  if (command === 'cd' || command === 'pushd' || command === 'popd') {
    scope.cwd = directoryAfter(command, args, scope);
    return;
  }
  const inner = innerCommand(command, args, { cwd: scope.cwd, stdin });
  if (inner.kind === 'script') {
    const script = parseShell(inner.source);
    if (!script.hasErrors) visit({ parsed: script, writes: walk.writes }, script.root, { cwd: inner.place.cwd });
    return;
  }
  if (inner.kind !== 'command') return;
  const part = firstLine(textOf(walk.parsed, node));
  for (const written of writesOf(inner.name, inner.args, inner.place) ?? []) walk.writes.push({ ...written, part });
}

function directoryAfter(command: string, args: Word[], scope: Scope): string | null {
  if (command === 'popd') return null;
  const [operand] = scanOptions(args, {}).operands;
  if (operand === undefined) return command === 'cd' ? (process.env.HOME ?? null) : null;
  if (operand.value === '-') return null;
  return pathOf({ cwd: scope.cwd, stdin: null }, operand);
}

/** Where `<` redirects the command's stdin from (`patch -p1 < fix.patch`). */
function stdinOf(walk: Walk, redirects: SyntaxNode[]): Word | null {
  let stdin: Word | null = null;
  for (const r of redirects) {
    if (r.type !== 'file_redirect' || !r.children.some((child) => child.type === '<')) continue;
    const destination = r.children.find((child) => child.field === 'destination');
    if (destination !== undefined) stdin = wordOf(walk.parsed, destination);
  }
  return stdin;
}

/** `echo a > f b`: the grammar reads `b` as a second destination; the shell passes it to the command. */
function extraArguments(walk: Walk, redirects: SyntaxNode[]): Word[] {
  return redirects.flatMap((r) =>
    r.type === 'file_redirect'
      ? r.children
          .filter((child) => child.field === 'destination')
          .slice(1)
          .map((child) => wordOf(walk.parsed, child))
      : [],
  );
}
