// Command-line flags through node:util parseArgs, with one-line usage errors and --help.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AgentLeaseError, EXIT } from '../lib/util/errors';
import { MAX_DURATION_TEXT, parseDuration } from '../lib/util/duration';

type Options = NonNullable<ParseArgsConfig['options']>;
export type FlagValues<T extends Options> = {
  [K in keyof T]?: T[K] extends { multiple: true }
    ? Array<T[K] extends { type: 'boolean' } ? boolean : string>
    : T[K] extends { type: 'boolean' }
      ? boolean
      : string;
};

export class HelpRequested extends AgentLeaseError {
  constructor(usage: string) {
    super(usage, EXIT.ok);
  }
}

export const IDENTITY_OPTIONS = {
  session: { type: 'string' },
  as: { type: 'string' },
} as const satisfies Options;

/** The help lines of IDENTITY_OPTIONS, aligned with the other options of a usage text. */
export const IDENTITY_HELP = `  --session ID    act as this session (default: AGENT_LEASE_SESSION, else CLAUDE_CODE_SESSION_ID, else your user name)
  --as NAME       act as a person named NAME (a session of its own, not tied to any process)`;

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** Parses `args` against `options` (plus --help); a bad flag is a usage error quoting `usage`. */
export function parseCommandArgs<T extends Options>(args: string[], options: T, usage: string): { values: FlagValues<T>; positionals: string[] } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: { ...options, ...HELP }, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(firstLine((error as Error).message), usage);
  }
  if ((parsed.values as { help?: boolean }).help) throw new HelpRequested(usage);
  return parsed as { values: FlagValues<T>; positionals: string[] };
}

/** A usage error: the problem, then the command's usage line (its help text's first line). */
export function usageError(problem: string, usage: string): AgentLeaseError {
  return new AgentLeaseError(`${problem}\n${usage.split('\n')[0]!}`, EXIT.usage);
}

/** A duration flag (`90s`, `45m`, `2h`) in milliseconds; a bad one is a usage error quoting `usage`. */
export function durationFlag(value: string | undefined, flag: string, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === null) throw usageError(`${flag} takes a duration like 90s, 45m or 2h, not "${value}" (at most ${MAX_DURATION_TEXT})`, usage);
  return ms;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '');
}
