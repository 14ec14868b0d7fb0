// The setting of every end-to-end test on the real Claude Code: a project with agent-lease
// installed as a dev dependency and `init` run, and Claude Code sessions each driven by its own
// scripted model, all of it ended with the test; every wait bounded.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { claudeCodeCli, claudeSessions, installAgentLease, type ClaudeRun, type ScriptedModel, type Step } from './claude-code';
import type { TempRepo } from './git-repo';
import { BIN, hookEnv, tempRepo } from './hooks';

export { within } from './claude-code';
export const CLI = claudeCodeCli();
export const SKIP = CLI === null ? 'Claude Code (@anthropic-ai/claude-code, a dev dependency) is not installed: run npm install to run this suite' : false;

/** A project with src/x.ts committed, agent-lease installed as a dev dependency, `init` run and its settings committed. */
export function initProject(repo: TempRepo): void {
  repo.write('.gitignore', 'node_modules/\n');
  repo.write('src/x.ts', 'export const x = 1;\n');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'x']);
  installAgentLease(repo.root);
  const init = execFileSync(process.execPath, [BIN, 'init'], { cwd: repo.root, env: hookEnv(repo.env), encoding: 'utf8' });
  assert.match(init, /installed the commit guard/);
  repo.git(['add', '.claude']);
  repo.git(['commit', '-q', '-m', 'agent-lease hooks']);
}

/** The test's repository, and Claude Code sessions each driven by its own scripted model; all of it ends with the test. */
export function harness(t: TestContext) {
  const sessions = claudeSessions(t);
  const repo = tempRepo(t);
  return {
    repo,
    /** `steps`: the session's script, or a model scripting its subagents too. */
    claude: (
      name: string,
      cwd: string,
      steps: Step[] | ScriptedModel,
      extraArgs: string[] = [],
      turns?: string[],
      env: NodeJS.ProcessEnv = repo.env,
    ): Promise<ClaudeRun> => sessions.start({ name, base: repo.base, cwd, steps, env: hookEnv(env), extraArgs, ...(turns ? { turns } : {}) }),
    /** What went wrong inside the scripted steps (their assertions), if anything. */
    scriptFailures: sessions.failures,
  };
}

/** agent-lease installed globally the way `npm i -g agent-lease` does it: an `agent-lease` in a directory on PATH. */
export function installGlobally(repo: TempRepo): NodeJS.ProcessEnv {
  const bin = join(repo.base, 'global-bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(BIN, join(bin, 'agent-lease'));
  chmodSync(BIN, 0o755);
  return { ...repo.env, PATH: `${bin}:${repo.env.PATH ?? process.env.PATH}` };
}
