// A repository where agents work on branches in their own worktrees, for branch-hold tests: `main`
// with src/x.ts, and helpers that act as a session through the compiled hooks (edit, end a turn,
// end a session) and as git (commit, merge) — real git, real worktrees, hooks as child processes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { installGuard } from '../../lib/guard/install';
import { ensureGuardActive } from '../../lib/guard/state';
import { isolateGitInThisProcess } from './git-repo';
import { installLauncher, runHusky } from './guard';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { makeCliRepo, type CliRepo } from './cli';
import { fixture, hookEnv, runHook, startHookAgent, type HookRun } from './hooks';
import type { Store } from '../../lib/core/store';
import { engineRepoStore, type Engine } from './engines';

export interface BranchWorld {
  repo: CliRepo;
  env: NodeJS.ProcessEnv;
  /** A worktree on a new branch of that name, from main. */
  worktree(branch: string): string;
  /** PreToolUse Write of `path` in `worktree` as `session`. */
  edit(session: string, worktree: string, path: string): HookRun;
  /** `edit`, asserting it went ahead, then writes the file. */
  write(session: string, worktree: string, path: string, content: string): void;
  /** `agent-lease claim <pattern> --shared` as `session` in `worktree` (asserted to succeed). */
  share(session: string, worktree: string, pattern: string): void;
  /** Stages everything in `worktree` and commits it. */
  commit(worktree: string, message: string): void;
  /** Stages everything and commits through the guard, as `env` (a person by default). */
  guardedCommit(worktree: string, message: string, env?: NodeJS.ProcessEnv): { status: number | null; stderr: string };
  stop(session: string, worktree: string): HookRun;
  sessionEnd(session: string, worktree: string): HookRun;
  /**
   * `session` as a stand-in agent process of its own (killed at the end of the test), so that no
   * commit of the test process passes for it and a SIGKILL is its crash.
   */
  agent(session: string): StandInAgent;
  /** `status --json`'s branch holds. */
  holds(): Array<{ token: number; pattern: string; source: string; branch: string; commit: string | null; session: string | null }>;
  /** What git says in `cwd` (default: the main worktree). */
  git(args: string[], cwd?: string): string;
  /** What a process needs in its environment to use the repository's store (the hooks, the CLI and the guard have it). */
  storeEnv: NodeJS.ProcessEnv;
  /** Runs `use` against the repository's store, opened in this process. */
  withStore<T>(use: (store: Store) => T | Promise<T>): Promise<T>;
}

/** `guard`: the commit guard installed (in .git/hooks, or through husky), the binary where npm puts it. */
export interface StandInAgent {
  /** PreToolUse Write of `path` in `worktree` (asserted to go ahead), then writes `content` there. */
  write(worktree: string, path: string, content: string): Promise<void>;
  stop(worktree: string): Promise<HookRun>;
  kill(): Promise<void>;
}

/**
 * `engine`: the store the repository's hooks, CLI and guard use, SQLite's file by default (a
 * PostgreSQL one only inside forEachEngine, whose server it is).
 */
export function branchWorld(t: TestContext, options: { config?: Record<string, unknown>; guard?: 'hooks' | 'husky'; engine?: Engine } = {}): BranchWorld {
  const repo = makeCliRepo();
  t.after(() => repo.cleanup());
  const store = engineRepoStore(options.engine ?? 'sqlite', repo);
  Object.assign(repo.env, store.env);
  repo.write('src/x.ts', lines('x', 20));
  repo.write('src/y.ts', 'y\n');
  if (options.config !== undefined) repo.write('.agent-lease.json', JSON.stringify(options.config));
  repo.write('.gitignore', 'node_modules\n');
  if (options.guard !== undefined) {
    isolateGitInThisProcess(repo.base);
    installLauncher(repo.root);
    if (options.guard === 'husky') runHusky(repo);
    installGuard(repo.root);
  }
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'base']);
  const env = hookEnv(repo.env, store.env);
  const world: BranchWorld = {
    repo,
    env,
    worktree(branch) {
      const path = repo.addWorktree(branch);
      // What SessionStart does in a fresh worktree (husky's hooks dir exists only where it ran).
      if (options.guard !== undefined) ensureGuardActive(path);
      return path;
    },
    edit: (session, worktree, path) =>
      runHook('pre-tool-use', fixture('pre-tool-use.write', worktree, session, { tool_input: { file_path: join(worktree, path), content: 'x' } }), {
        env,
      }),
    write(session, worktree, path, content) {
      const run = world.edit(session, worktree, path);
      assert.equal(run.json?.hookSpecificOutput?.permissionDecision, undefined, `${session} may edit ${path}: ${run.stdout}`);
      writeFileSync(join(worktree, path), content);
    },
    share(session, worktree, pattern) {
      const claim = repo.cli(['claim', pattern, '--shared'], { cwd: worktree, env: { AGENT_LEASE_SESSION: session } });
      assert.equal(claim.status, 0, claim.stderr);
    },
    commit(worktree, message) {
      repo.git(['add', '-A'], worktree);
      repo.git(['commit', '-q', '--no-verify', '-m', message], worktree);
    },
    guardedCommit(worktree, message, env = {}) {
      repo.git(['add', '-A'], worktree);
      const result = spawnSync('git', ['commit', '-q', '-m', message], { cwd: worktree, env: { ...repo.env, ...env }, encoding: 'utf8' });
      return { status: result.status, stderr: result.stderr };
    },
    stop: (session, worktree) => runHook('stop', fixture('stop', worktree, session), { env }),
    sessionEnd: (session, worktree) => runHook('session-end', fixture('session-end', worktree, session), { env }),
    agent(session) {
      const agent = startHookAgent(env);
      t.after(() => agent.kill());
      return {
        async write(worktree, path, content) {
          const run = await agent.run(
            'pre-tool-use',
            fixture('pre-tool-use.write', worktree, session, { tool_input: { file_path: join(worktree, path), content: 'x' } }),
          );
          assert.equal(run.stdout, '', `${session} may edit ${path}`);
          writeFileSync(join(worktree, path), content);
        },
        stop: (worktree) => agent.run('stop', fixture('stop', worktree, session)),
        kill: () => agent.kill(),
      };
    },
    holds: () => repo.json(['status', '--json']).leases.filter((lease: { source: string }) => lease.source === 'branch'),
    git: (args, cwd) => repo.git(args, cwd),
    storeEnv: store.env,
    async withStore(use) {
      const opened = store.open();
      try {
        return await use(opened);
      } finally {
        await opened.close();
      }
    },
  };
  return world;
}

/** `count` numbered lines of `name`: a file long enough for two changes far apart to merge cleanly. */
export function lines(name: string, count: number): string {
  return Array.from({ length: count }, (_, i) => `${name} line ${i + 1}\n`).join('');
}

/** `text` with its line `n` (1-based) replaced by `line`. */
export function replaceLine(text: string, n: number, line: string): string {
  const all = text.split('\n');
  all[n - 1] = line;
  return all.join('\n');
}

/** The reason a PreToolUse answer denies with, or null when it went ahead. */
export function denial(run: HookRun): string | null {
  return run.json?.hookSpecificOutput?.permissionDecision === 'deny' ? (run.json.hookSpecificOutput.permissionDecisionReason ?? '') : null;
}
