// The value a shell word has when the command runs, where that is known before it runs: quotes
// removed, escapes applied, a leading `~` as HOME. A word with an expansion (`$VAR`, `$(...)`,
// `$'...'`) has no known value. Unquoted glob or brace characters make the word a pattern.
import { textOf, type ParsedShell, type SyntaxNode } from './syntax';

export interface Word {
  /** null when the value is only known when the command runs. */
  value: string | null;
  /** Whether an unquoted `*`, `?`, `[` or `{` makes it a pattern the shell expands. */
  glob: boolean;
}

const UNKNOWN: Word = { value: null, glob: false };

export function wordOf(parsed: ParsedShell, node: SyntaxNode): Word {
  switch (node.type) {
    case 'word':
    case 'number':
      return unquoted(textOf(parsed, node));
    case 'raw_string':
      return { value: textOf(parsed, node).slice(1, -1), glob: false };
    case 'string':
      return doubleQuoted(parsed, node);
    case 'concatenation': {
      let value = '';
      let glob = false;
      for (const part of node.children) {
        const word = wordOf(parsed, part);
        if (word.value === null) return UNKNOWN;
        value += word.value;
        glob ||= word.glob;
      }
      return { value, glob };
    }
    default:
      return UNKNOWN;
  }
}

function unquoted(text: string): Word {
  let value = '';
  let glob = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\\') {
      // A backslash-newline joins lines; any other escaped character stands for itself.
      if (text[i + 1] !== '\n') value += text[i + 1] ?? '';
      i++;
    } else {
      // `{a,b}` is brace expansion, which lease globs share.
      if (char === '*' || char === '?' || char === '[' || char === '{') glob = true;
      value += char;
    }
  }
  if (value === '~' || value.startsWith('~/')) {
    const home = process.env.HOME;
    if (home === undefined) return UNKNOWN;
    value = home + value.slice(1);
  }
  return { value, glob };
}

function doubleQuoted(parsed: ParsedShell, node: SyntaxNode): Word {
  let value = '';
  for (const part of node.children) {
    if (part.type === '"') continue;
    if (part.type !== 'string_content') return UNKNOWN;
    value += textOf(parsed, part).replace(/\\([$`"\\\n])/g, (_, escaped: string) => (escaped === '\n' ? '' : escaped));
  }
  return { value, glob: false };
}
