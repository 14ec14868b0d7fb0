// The setting of every end-to-end test on the real Claude Code: a project with agent-lease
// installed as a dev dependency and `init` run, and Claude Code sessions each driven by its own
// scripted model, all of it ended with the test; every wait bounded.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { claudeCodeCli, ScriptedModel, startClaude, type ClaudeRun, type Step } from './claude-code';
import type { TempRepo } from './git-repo';
import { BIN, hookEnv, tempRepo } from './hooks';

const ROOT = join(__dirname, '..', '..');
export const CLI = claudeCodeCli();
export const SKIP = CLI === null ? 'Claude Code (@anthropic-ai/claude-code, a dev dependency) is not installed: run npm install to run this suite' : false;
const STEP_TIMEOUT_MS = 60_000;

/** Rejects instead of waiting forever: every wait in this suite is bounded. */
export function within<T>(promise: Promise<T>, what: string, ms = STEP_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000}s waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * agent-lease installed into the repository the way `npm i -D agent-lease` does it (a package
 * directory, an executable bin link), in the main worktree only: linked worktrees have no
 * node_modules, so their hooks find it through the main worktree.
 */
function installAgentLease(repo: TempRepo): void {
  const modules = join(repo.root, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  symlinkSync(ROOT, join(modules, 'agent-lease'));
  symlinkSync(join('..', 'agent-lease', 'dist', 'bin', 'agent-lease.js'), join(modules, '.bin', 'agent-lease'));
  chmodSync(BIN, 0o755);
}

/** A project with src/x.ts committed, agent-lease installed as a dev dependency, `init` run and its settings committed. */
export function initProject(repo: TempRepo): void {
  repo.write('.gitignore', 'node_modules/\n');
  repo.write('src/x.ts', 'export const x = 1;\n');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'x']);
  installAgentLease(repo);
  const init = execFileSync(process.execPath, [BIN, 'init'], { cwd: repo.root, env: hookEnv(repo.env), encoding: 'utf8' });
  assert.match(init, /installed the commit guard/);
  repo.git(['add', '.claude']);
  repo.git(['commit', '-q', '-m', 'agent-lease hooks']);
}

/** The test's repository, and Claude Code sessions each driven by its own scripted model; all of it ends with the test. */
export function harness(t: TestContext) {
  const runs: ClaudeRun[] = [];
  const models: ScriptedModel[] = [];
  t.after(async () => {
    for (const run of runs) run.child.kill('SIGKILL');
    await Promise.all(models.map((model) => model.close()));
  });
  const repo = tempRepo(t);
  return {
    repo,
    /** `steps`: the session's script, or a model scripting its subagents too. */
    async claude(
      name: string,
      cwd: string,
      steps: Step[] | ScriptedModel,
      extraArgs: string[] = [],
      turns?: string[],
      env: NodeJS.ProcessEnv = repo.env,
    ): Promise<ClaudeRun> {
      const model = steps instanceof ScriptedModel ? steps : new ScriptedModel(steps);
      models.push(model);
      const home = join(repo.base, `home-${name}`);
      mkdirSync(home, { recursive: true });
      const run = startClaude({ cli: CLI!, cwd, baseUrl: await model.start(), home, env: hookEnv(env), extraArgs, ...(turns ? { turns } : {}) });
      runs.push(run);
      return run;
    },
    /** What went wrong inside the scripted steps (their assertions), if anything. */
    scriptFailures: () => models.map((model) => model.failure).filter((failure) => failure !== null),
  };
}
