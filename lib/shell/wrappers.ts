// Commands that run another command: `env X=1 cmd`, `sudo cmd`, `nice`, `timeout 5 cmd`, `bash -c
// "…"`. Each is seen through to the command it runs (and the directory it runs it in). `xargs`,
// `eval` and `find -exec` build their command when they run: nothing can be known of it before.
import { basename } from 'node:path';
import { hasOption, optionValue, scanOptions, type OptionSpec } from './options';
import { pathOf, type Place } from './targets';
import type { Word } from './words';

export type Inner =
  | { kind: 'command'; name: string; args: Word[]; place: Place }
  /** A shell given its script as text (`bash -c '…'`): parse and walk it too. */
  | { kind: 'script'; source: string; place: Place }
  | { kind: 'unknown' };

interface Wrapper {
  options: OptionSpec;
  /** Options that change the directory the command runs in. */
  chdir?: readonly string[];
  /** Operands before the command (`timeout DURATION cmd`). */
  skip?: number;
}

const WRAPPERS: Record<string, Wrapper> = {
  env: { options: { short: 'uCS', long: ['unset', 'chdir', 'split-string'], stopAtOperand: true }, chdir: ['C', 'chdir'] },
  sudo: {
    options: {
      short: 'ugpCDhrtUT',
      long: ['user', 'group', 'prompt', 'close-from', 'chdir', 'host', 'role', 'type', 'other-user', 'command-timeout'],
      stopAtOperand: true,
    },
    chdir: ['D', 'chdir'],
  },
  doas: { options: { short: 'uC', stopAtOperand: true } },
  nice: { options: { short: 'n', long: ['adjustment'], stopAtOperand: true } },
  ionice: { options: { short: 'cnp', long: ['class', 'classdata', 'pid'], stopAtOperand: true } },
  nohup: { options: { stopAtOperand: true } },
  setsid: { options: { stopAtOperand: true } },
  time: { options: { short: 'fo', long: ['format', 'output'], stopAtOperand: true } },
  command: { options: { stopAtOperand: true } },
  builtin: { options: { stopAtOperand: true } },
  exec: { options: { short: 'a', stopAtOperand: true } },
  stdbuf: { options: { short: 'ioe', long: ['input', 'output', 'error'], stopAtOperand: true } },
  timeout: { options: { short: 'sk', long: ['signal', 'kill-after'], stopAtOperand: true }, skip: 1 },
};

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh']);
const UNKNOWABLE = new Set(['xargs', 'eval', 'source', '.', 'parallel', 'find', 'watch']);

/** The command that `name ARGS` comes down to, seen through every wrapper. */
export function innerCommand(name: string, args: Word[], place: Place): Inner {
  for (let depth = 0; depth < 16; depth++) {
    if (UNKNOWABLE.has(name)) return { kind: 'unknown' };
    if (SHELLS.has(name)) return shellScript(args, place);
    if (!Object.hasOwn(WRAPPERS, name)) return { kind: 'command', name, args, place };
    const wrapper = WRAPPERS[name]!;
    const parsed = scanOptions(args, wrapper.options);
    // `command -v x` and `command -V x` only look the command up.
    if (name === 'command' && hasOption(parsed, 'v', 'V')) return { kind: 'unknown' };
    if (name === 'env' && hasOption(parsed, 'S', 'split-string')) return { kind: 'unknown' };
    const directory = wrapper.chdir === undefined ? undefined : optionValue(parsed, ...wrapper.chdir);
    if (directory !== undefined) place = { ...place, cwd: pathOf(place, { value: directory, glob: false }) };
    let rest = parsed.operands.slice(wrapper.skip ?? 0);
    // `env X=1 cmd`: the assignments before the command.
    if (name === 'env') {
      const command = rest.findIndex((word) => word.value === null || !/^[A-Za-z_]\w*=/.test(word.value));
      rest = command < 0 ? [] : rest.slice(command);
    }
    const [next, ...nextArgs] = rest;
    if (next === undefined || next.value === null) return { kind: 'unknown' };
    name = basename(next.value);
    args = nextArgs;
  }
  return { kind: 'unknown' };
}

function shellScript(args: Word[], place: Place): Inner {
  const parsed = scanOptions(args, { short: 'oO', stopAtOperand: true });
  if (!hasOption(parsed, 'c')) return { kind: 'unknown' };
  const script = parsed.operands[0]?.value;
  return script === null || script === undefined ? { kind: 'unknown' } : { kind: 'script', source: script, place };
}
