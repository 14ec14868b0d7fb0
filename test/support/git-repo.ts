// Real git repositories in temporary directories, isolated from the machine's git config.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const gitEnv = (home: string): NodeJS.ProcessEnv => ({
  ...process.env,
  HOME: home,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
});

/**
 * Keeps the machine's git config and husky settings away from git run by this test process itself
 * (installGuard and friends), with `home` as HOME.
 */
export function isolateGitInThisProcess(home: string): void {
  for (const name of ['GIT_CONFIG_GLOBAL', 'GIT_CONFIG_SYSTEM', 'GIT_CONFIG_COUNT', 'GIT_CONFIG_PARAMETERS', 'XDG_CONFIG_HOME', 'HUSKY'])
    delete process.env[name];
  process.env.HOME = home;
  process.env.GIT_CONFIG_NOSYSTEM = '1';
}

export interface TempRepo {
  /** The temporary directory holding the repository and anything else the test makes. */
  base: string;
  /** The main worktree. */
  root: string;
  env: NodeJS.ProcessEnv;
  git(args: string[], cwd?: string): string;
  write(relative: string, content?: string, cwd?: string): string;
  addWorktree(name: string, branch?: string): string;
  cleanup(): void;
}

export function makeRepo(options: { commit?: boolean } = {}): TempRepo {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'agent-lease-test-')));
  const root = join(base, 'repo');
  mkdirSync(root);
  const env = gitEnv(base);
  const git = (args: string[], cwd = root): string => execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  git(['init', '-q', '-b', 'main']);
  const write = (relative: string, content = `${relative}\n`, cwd = root): string => {
    const file = join(cwd, relative);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    return file;
  };
  if (options.commit !== false) {
    write('README.md', 'test\n');
    git(['add', '.']);
    git(['commit', '-q', '-m', 'initial']);
  }
  return {
    base,
    root,
    env,
    git,
    write,
    addWorktree(name, branch = name) {
      const path = join(base, name);
      git(['worktree', 'add', '-q', '-b', branch, path]);
      return path;
    },
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}
