// The demo's repository: a small project with agent-lease installed as a dev dependency and
// `agent-lease init` run, its worktrees, and an environment that keeps the caller's out.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AgentLeaseError } from '../../lib/util/errors';

/** This build's command line, which the demo repository's node_modules/.bin/agent-lease runs. */
const BIN = resolve(__dirname, '..', '..', 'bin', 'agent-lease.js');

/** The demo's processes see a private HOME and git config and no agent-lease or Claude Code identity of the caller. */
export function isolate(base: string): void {
  const home = join(base, 'home');
  mkdirSync(home);
  for (const key of Object.keys(process.env)) {
    if (key.startsWith('AGENT_LEASE_') || key.startsWith('CLAUDE') || ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'HUSKY'].includes(key))
      delete process.env[key];
  }
  Object.assign(process.env, {
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Demo',
    GIT_AUTHOR_EMAIL: 'demo@example.com',
    GIT_COMMITTER_NAME: 'Demo',
    GIT_COMMITTER_EMAIL: 'demo@example.com',
  });
}

/** A small project with agent-lease installed as a dev dependency would be; returns the store path. */
export function setUpRepository(shop: string): string {
  const files: Record<string, string> = {
    'README.md': '# shop\n',
    '.gitignore': 'node_modules\n',
    'src/auth/login.ts': 'export function login(next: string) {\n  return redirect(home);\n}\n',
    'src/auth/session.ts': 'export const SESSION_COOKIE = "sid";\n',
    'src/ui/button.tsx': 'export const Button = () => null;\n',
    'src/ui/theme.css': ':root { --accent: blue; }\n',
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(shop, path)), { recursive: true });
    writeFileSync(join(shop, path), text);
  }
  const launcher = join(shop, 'node_modules', '.bin', 'agent-lease');
  mkdirSync(dirname(launcher), { recursive: true });
  writeFileSync(launcher, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(launcher, 0o755);
  run('git', ['init', '-q', '-b', 'main'], shop);
  const init = run(process.execPath, [BIN, 'init'], shop);
  if (init.status !== 0) throw new AgentLeaseError(`agent-lease init failed in the demo repository: ${init.stderr}`);
  run('git', ['add', '.'], shop);
  run('git', ['commit', '-q', '-m', 'A small shop'], shop);
  return join(shop, '.git', 'agent-lease', 'state.db');
}

export function addWorktree(shop: string, name: string, branch: string): string {
  const path = join(dirname(shop), name);
  run('git', ['worktree', 'add', '-q', '-b', branch, path], shop);
  return path;
}

function run(file: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(file, args, { cwd, encoding: 'utf8' });
  if (result.error) throw result.error;
  if (file === 'git' && result.status !== 0) throw new AgentLeaseError(`git ${args.join(' ')} failed in the demo repository: ${result.stderr.trim()}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
