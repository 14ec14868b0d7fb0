// Text helpers for what agent-lease prints: shell words that are safe to paste, first lines, and
// text that comes from elsewhere (another session's task or name, a dropped file, a file name)
// made into data: one line, bounded, its control characters unable to act on a terminal or to
// pose as agent-lease's own lines in what a model reads.

/** How much of such a text is shown: a task is a phrase, not a document. */
export const MAX_SHOWN_CHARS = 200;

// C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional overrides that
// can make a terminal show text in another order than it is.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `text` as one shell word, quoted when it has anything a shell would expand or split. */
export function shellWord(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The first line of a message (libraries' errors may run to many). */
export function firstLine(text: string): string {
  return text.split('\n')[0]!;
}

/** At most `max` characters of `text`, `…` saying that there was more. */
export function capped(text: string, max = MAX_SHOWN_CHARS): string {
  if (text.length <= max) return text;
  // Never half of a surrogate pair.
  return `${text.slice(0, max).replace(/[\ud800-\udbff]$/, '')}…`;
}

/** `text` for a terminal: capped, each control character shown as `?`. */
export function plainText(text: string, max = MAX_SHOWN_CHARS): string {
  return capped(text, max).replace(CONTROL, '?');
}

/**
 * `text` in double quotes, as a JSON string (`\n`, `\"`, `\u001b`): it reads as one quoted datum
 * whatever it holds, so no line of it can be taken for one of agent-lease's own.
 */
export function quotedText(text: string, max = MAX_SHOWN_CHARS): string {
  return JSON.stringify(capped(text, max)).replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A name, path or pattern from elsewhere: as it is when it is one plain word, else quoted. */
export function dataWord(text: string, max = MAX_SHOWN_CHARS): string {
  return text.length <= max && /^[\w./@%+=:,~*?[\]{}!^#-]+$/.test(text) ? text : quotedText(text, max);
}
