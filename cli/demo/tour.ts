// The demo's tour, scene by scene, in a temporary repository: three Claude Code sessions, each in
// its own worktree, are played by forked stand-in processes (stand-in-agent.ts) that run the hook
// commands `agent-lease init` wrote to .claude/settings.json exactly as Claude Code runs them
// (`sh -c`, event JSON on stdin), and Bash tool commands through `bash -c`.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentLeaseError } from '../../lib/util/errors';
import { readEvents } from '../../lib/core/events';
import { openStore } from '../../lib/core/sqlite';
import { paint, writeOut } from '../output';
import { readStatus, renderStatus } from '../status-view';
import { ClaudeSession, requireNoErrors, type HookVerdict } from './claude-session';
import { firstSentence, indent, no, ok, quote, say, section } from './narration';
import { addWorktree, isolate, setUpRepository } from './repository';
import type { StandInAgent } from './stand-in-agent';

/** Plays the tour in a new temporary repository, removed afterwards unless `keep`. */
export async function runDemo(options: { keep: boolean }): Promise<void> {
  const started = Date.now();
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'agent-lease-demo-')));
  const agents: StandInAgent[] = [];
  try {
    await tour(base, agents);
  } finally {
    for (const agent of agents) agent.stop();
    if (!options.keep) rmSync(base, { recursive: true, force: true });
  }
  writeOut('');
  writeOut(options.keep ? `Kept ${base} (remove it when done).` : `Removed ${base}.`);
  writeOut(
    `The tour took ${((Date.now() - started) / 1000).toFixed(1)} s. To use agent-lease in a project, see "Adding agent-lease to a project" in the README.`,
  );
}

async function tour(base: string, agents: StandInAgent[]): Promise<void> {
  isolate(base);
  const shop = join(base, 'shop');
  writeOut(paint('agent-lease demo', 'bold'));
  writeOut('Three Claude Code sessions work on one repository, each in its own git worktree. Each is');
  writeOut("played by a stand-in process that runs agent-lease's hooks exactly as Claude Code would.");

  const storePath = setUpRepository(shop);
  const api = addWorktree(shop, 'shop-api', 'api');
  const ui = addWorktree(shop, 'shop-ui', 'ui');
  section(0, `A repository in ${base}`);
  say('`agent-lease init` put the hooks in .claude/settings.json and installed the commit guard as the pre-commit hook.');
  say(`shop/      branch main   session ${paint('alpha', 'cyan')}`);
  say(`shop-api/  branch api    session ${paint('beta', 'cyan')}`);
  say(`shop-ui/   branch ui     session ${paint('gamma', 'cyan')}`);

  // The Bash tool finds `agent-lease` on PATH, as after a global install.
  const binDir = join(shop, 'node_modules', '.bin');
  const alpha = new ClaudeSession('alpha', shop, binDir, agents);
  const beta = new ClaudeSession('beta', api, binDir, agents);
  const gamma = new ClaudeSession('gamma', ui, binDir, agents);

  section(1, 'The sessions start (SessionStart hook)');
  const briefings: string[] = [];
  for (const session of [alpha, beta, gamma]) {
    const verdict = await session.hook('SessionStart', { source: 'startup' }, 'startup');
    requireNoErrors(verdict, 'SessionStart');
    briefings.push(verdict.context[0] ?? '');
  }
  say('alpha, beta and gamma are registered: worktree, branch, and their process (pid and start time).');
  say(`Each is told, as context: "${firstSentence(briefings[0] ?? '')} ..."`);

  section(2, 'alpha edits src/auth/login.ts (PreToolUse hook on Edit)');
  allowed(await alpha.edit('src/auth/login.ts', 'return redirect(next);'), 'alpha now holds an edit lease on src/auth/login.ts');

  section(3, 'beta, in its own worktree, tries to edit the same file');
  denied(await beta.edit('src/auth/login.ts', 'return redirect(home);'), 'Claude Code blocks the edit and gives beta this reason:');

  section(4, 'gamma claims the whole UI from its Bash tool, then beta tries to touch it');
  const claim = await gamma.bash(`agent-lease claim 'src/ui/**' --task "new theme"`);
  say(`$ agent-lease claim 'src/ui/**' --task "new theme"`);
  quote(claim.stdout + claim.stderr);
  denied(await beta.write('src/ui/theme.css', ':root { --accent: teal; }\n'), 'beta writing src/ui/theme.css is denied by the glob:');

  section(5, 'beta changes src/auth/login.ts with a shell command (no edit hook can stop that; the Bash hook warns after it) and commits');
  const commit = await beta.bash(`printf '// quick fix\\n' >> src/auth/login.ts && git commit -qam "Fix the login redirect"`);
  say('$ printf ... >> src/auth/login.ts && git commit -am "Fix the login redirect"');
  if (commit.status === 0) throw new AgentLeaseError('the demo expected the commit guard to refuse that commit, and it did not');
  no(`the pre-commit guard refuses the commit (exit ${commit.status}):`);
  quote(commit.stderr);

  section(6, "alpha's Claude Code process crashes (killed: no SessionEnd hook runs)");
  await alpha.crash();
  allowed(await beta.edit('src/auth/login.ts', 'return redirect(next ?? home);'), "beta tries again; alpha's process is gone, so its lease no longer binds");
  const store = openStore({ path: storePath });
  try {
    for (const event of await readEvents(store, { kinds: ['takeover'] })) {
      say(`the log records it: ${event.kind} of ${event.pattern} (token ${event.token}) from ${event.sessionId}, ${String(event.detail?.reason ?? '')}`);
    }
    const retry = await beta.bash('git commit -qam "Fix the login redirect"');
    if (retry.status === 0) ok("beta's commit goes through: it holds the file now");
    else quote(retry.stderr);

    section(7, 'Where things stand: agent-lease status');
    writeOut(indent(renderStatus(await readStatus(store), Date.now()), '   '));
  } finally {
    await store.close();
  }
}

function allowed(verdict: HookVerdict, text: string): void {
  if (verdict.denied !== null) throw new AgentLeaseError(`the demo expected this edit to be allowed, but it was denied: ${verdict.denied}`);
  ok(`allowed: ${text}`);
}

function denied(verdict: HookVerdict, text: string): void {
  if (verdict.denied === null) throw new AgentLeaseError('the demo expected this edit to be denied, but it was allowed');
  no(`denied. ${text}`);
  quote(verdict.denied);
}
