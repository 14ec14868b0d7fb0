// A `git` first on PATH that writes down every call before it runs the real one: how tests see
// how many git processes a hook or command spawns.
import { accessSync, chmodSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface GitSpy {
  /** `env` with the spy first on PATH. */
  env: NodeJS.ProcessEnv;
  /** The calls so far, one line of arguments each. */
  calls(): string[];
}

/** A spy in a new directory under `base`, for processes run with `env`. */
export function spyOnGit(base: string, env: NodeJS.ProcessEnv): GitSpy {
  const bin = join(base, 'spy-bin');
  const log = join(base, 'git-calls');
  mkdirSync(bin);
  writeFileSync(log, '');
  writeFileSync(join(bin, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${realGit(env.PATH ?? '')}' "$@"\n`);
  chmodSync(join(bin, 'git'), 0o755);
  return {
    env: { ...env, PATH: `${bin}${delimiter}${env.PATH ?? ''}` },
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
  };
}

function realGit(path: string): string {
  for (const dir of path.split(delimiter)) {
    try {
      accessSync(join(dir, 'git'), constants.X_OK);
      return join(dir, 'git');
    } catch {}
  }
  throw new Error('no git on PATH');
}
