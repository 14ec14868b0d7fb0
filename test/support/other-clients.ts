// What the other clients' end-to-end tests share: a project set up by `agent-lease init --for …`
// (src/x.ts and src/free.ts committed, agent-lease installed as a dev dependency), a Claude Code
// session holding a file (its hooks fed the inputs Claude Code sends, from a live stand-in agent
// process), and `status --json`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { StatusView } from '../../cli/status-view';
import type { TempRepo } from './git-repo';
import { BIN, fixture, hookEnv, startHookAgent } from './hooks';
import { installAgentLease } from './claude-code';

export const HELD = 'src/x.ts';
export const FREE = 'src/free.ts';
export const HELD_TEXT = 'export const x = 1;\n';
export const FREE_TEXT = 'export const free = 1;\n';

/** The project, with `init --for <clients>` run and what it wrote committed. */
export function initProject(repo: TempRepo, clients: string): string {
  repo.write('.gitignore', 'node_modules/\n');
  repo.write(HELD, HELD_TEXT);
  repo.write(FREE, FREE_TEXT);
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'x']);
  installAgentLease(repo.root);
  const init = execFileSync(process.execPath, [BIN, 'init', '--for', clients], { cwd: repo.root, env: hookEnv(repo.env), encoding: 'utf8' });
  repo.git(['add', '-A']);
  repo.git(['commit', '-q', '-m', 'agent-lease hooks']);
  return init;
}

/** A Claude Code session in `cwd` that has started and leased `file` (its edit's PreToolUse); it lives until the test ends. */
export async function claudeHolds(t: TestContext, repo: TempRepo, cwd: string, file: string, sessionId = 'claude-holder'): Promise<void> {
  const agent = startHookAgent(hookEnv(repo.env));
  t.after(() => agent.kill());
  const start = await agent.run('session-start', fixture('session-start.startup', cwd, sessionId, { cwd }));
  if (start.status !== 0) throw new Error(`Claude Code's SessionStart: ${start.stderr}`);
  const edit = await agent.run(
    'pre-tool-use',
    fixture('pre-tool-use.write', cwd, sessionId, { cwd, tool_input: { file_path: join(cwd, file), content: 'mine\n' } }),
  );
  if (edit.status !== 0 || edit.json?.hookSpecificOutput?.permissionDecision === 'deny')
    throw new Error(`Claude Code's lease on ${file}: ${edit.stdout}${edit.stderr}`);
}

export function status(repo: TempRepo, cwd = repo.root): StatusView {
  return JSON.parse(execFileSync(process.execPath, [BIN, 'status', '--json'], { cwd, env: hookEnv(repo.env), encoding: 'utf8' })) as StatusView;
}

/** The session `status` shows for `runtime`, and the patterns it holds. */
export function sessionOf(view: StatusView, runtime: string): { alive: boolean; holds: string[]; id: string } | null {
  const session = view.sessions.find((entry) => entry.runtime === runtime);
  if (session === undefined) return null;
  return { alive: session.alive, id: session.id, holds: view.leases.filter((lease) => lease.sessionId === session.id).map((lease) => lease.pattern) };
}

/**
 * What every client's end-to-end test ends with: while it ran (`during`), its session was alive
 * under `runtime` holding the free file it edited, and Claude Code's session the held file; the
 * free file has its edit; nothing was committed, the held file is as it was.
 */
export function assertOutcome(repo: TempRepo, during: StatusView | null, runtime: string): void {
  const session = sessionOf(during!, runtime);
  assert.ok(session, JSON.stringify(during));
  assert.equal(session.alive, true, `the ${runtime} session is alive while it runs`);
  assert.deepEqual(session.holds, [FREE]);
  assert.deepEqual(sessionOf(during!, 'claude-code')?.holds, [HELD]);
  assert.equal(readFileSync(join(repo.root, FREE), 'utf8'), 'export const free = 2;\n');
  assert.equal(repo.git(['log', '-1', '--format=%s']), 'agent-lease hooks', 'nothing was committed');
  assert.equal(repo.git(['show', `HEAD:${HELD}`]), HELD_TEXT.trim());
}
