// Running git: always an argument array, never a shell string.

export function git(cwd: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): string {
  // Loaded here, not at the top: child_process brings node's stream and net modules, milliseconds
  // that every hook call would pay although most never run git.
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    input: options.input,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  }).replace(/\n$/, '');
}
