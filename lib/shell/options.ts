// Splitting a command's arguments into options and operands the way GNU getopt does: options may
// follow operands (`rm dir -rf`), short options
// clustered (`-rf`), a short option's value attached or in the next argument (`-t dir`, `-tdir`),
// long options with `=value` or a separate value, `--` ending the options. Only the options a
// command's entry names as taking a value consume one; every other option is a flag.
import type { Word } from './words';

export interface OptionSpec {
  /** Short options taking a value, attached or as the next argument (`-t DIR`). */
  short?: string;
  /** Short options whose value can only be attached (`sed -i.bak`, `perl -i`): the rest of the cluster. */
  shortAttached?: string;
  /** Long options (without `--`) taking a value, `--name=value` or `--name value`. */
  long?: readonly string[];
  /** Stop at the first operand: what follows belongs to another command (`env`, `sudo`, `timeout`). */
  stopAtOperand?: boolean;
}

export interface ParsedOptions {
  /** Each option by its name (one letter, or the long name), with its value ('' for a flag). */
  options: Array<{ name: string; value: string | null }>;
  operands: Word[];
}

export function scanOptions(args: readonly Word[], spec: OptionSpec): ParsedOptions {
  const options: ParsedOptions['options'] = [];
  const operands: Word[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const text = arg.value;
    if (text === null || text === '-' || !text.startsWith('-')) {
      operands.push(arg);
      if (spec.stopAtOperand) {
        operands.push(...args.slice(i + 1));
        break;
      }
      continue;
    }
    if (text === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (text.startsWith('--')) {
      const [name, attached] = splitLong(text.slice(2));
      if (attached !== undefined) options.push({ name, value: attached });
      else if (spec.long?.includes(name)) options.push({ name, value: args[++i]?.value ?? null });
      else options.push({ name, value: '' });
      continue;
    }
    for (let at = 1; at < text.length; at++) {
      const letter = text[at]!;
      const rest = text.slice(at + 1);
      if (spec.shortAttached?.includes(letter)) {
        options.push({ name: letter, value: rest });
        break;
      }
      if (spec.short?.includes(letter)) {
        options.push({ name: letter, value: rest !== '' ? rest : (args[++i]?.value ?? null) });
        break;
      }
      options.push({ name: letter, value: '' });
    }
  }
  return { options, operands };
}

function splitLong(text: string): [name: string, value: string | undefined] {
  const equals = text.indexOf('=');
  return equals < 0 ? [text, undefined] : [text.slice(0, equals), text.slice(equals + 1)];
}

export function hasOption(parsed: ParsedOptions, ...names: string[]): boolean {
  return parsed.options.some((option) => names.includes(option.name));
}

/** The value of the last of these options given, undefined when none was (null: not known before running). */
export function optionValue(parsed: ParsedOptions, ...names: string[]): string | null | undefined {
  for (let i = parsed.options.length - 1; i >= 0; i--) if (names.includes(parsed.options[i]!.name)) return parsed.options[i]!.value;
  return undefined;
}
