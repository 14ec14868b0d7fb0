// Text helpers for what agent-lease prints: shell words that are safe to paste, first lines.

/** `text` as one shell word, quoted when it has anything a shell would expand or split. */
export function shellWord(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The first line of a message (libraries' errors may run to many). */
export function firstLine(text: string): string {
  return text.split('\n')[0]!;
}
