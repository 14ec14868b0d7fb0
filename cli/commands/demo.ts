// `agent-lease demo`: a one-minute tour in a temporary repository. Three Claude Code sessions,
// each in its own worktree, are played by forked stand-in processes (cli/demo-agent.ts) that run
// the hook commands `agent-lease init` wrote to .claude/settings.json exactly as Claude Code runs
// them (`sh -c`, event JSON on stdin), and Bash tool commands through `bash -c`.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { AgentLeaseError, EXIT } from '../../lib/util/errors';
import { readEvents } from '../../lib/core/events';
import { openStore } from '../../lib/core/store';
import { parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';
import type { AgentReply, AgentRequest } from '../demo-agent';
import { paint, writeOut } from '../output';
import { readStatus, renderStatus } from '../status-view';

const USAGE = `usage: agent-lease demo [--keep]

A one-minute tour in a temporary repository: three Claude Code sessions in three worktrees,
driven through agent-lease's real hooks. It shows edits granted and denied, a glob claim, a
commit refused by the guard in another worktree, a crashed session whose leases are reclaimed,
and the final status table; then it removes the repository.

  --keep   leave the temporary repository in place to look around`;

const BIN = resolve(__dirname, '..', '..', 'bin', 'agent-lease.js');
const AGENT = resolve(__dirname, '..', 'demo-agent.js');

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { keep: { type: 'boolean' } }, USAGE);
    if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]}"`, USAGE);
    const started = Date.now();
    const base = realpathSync(mkdtempSync(join(tmpdir(), 'agent-lease-demo-')));
    const agents: Agent[] = [];
    try {
      await tour(base, agents);
    } finally {
      for (const agent of agents) agent.stop();
      if (!values.keep) rmSync(base, { recursive: true, force: true });
    }
    writeOut('');
    writeOut(values.keep ? `Kept ${base} (remove it when done).` : `Removed ${base}.`);
    writeOut(`The tour took ${((Date.now() - started) / 1000).toFixed(1)} s. To use agent-lease in a project, see "Adding agent-lease to a project" in the README.`);
    return EXIT.ok;
  },
};

async function tour(base: string, agents: Agent[]): Promise<void> {
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
  say(`Each is told, as context: "${firstSentence(briefings[0]!)} ..."`);

  section(2, 'alpha edits src/auth/login.ts (PreToolUse hook on Edit)');
  allowed(await alpha.edit('src/auth/login.ts', 'return redirect(next);'), 'alpha now holds an edit lease on src/auth/login.ts');

  section(3, 'beta, in its own worktree, tries to edit the same file');
  denied(await beta.edit('src/auth/login.ts', 'return redirect(home);'), 'Claude Code blocks the edit and gives beta this reason:');

  section(4, "gamma claims the whole UI from its Bash tool, then beta tries to touch it");
  const claim = await gamma.bash(`agent-lease claim 'src/ui/**' --task "new theme"`);
  say(`$ agent-lease claim 'src/ui/**' --task "new theme"`);
  quote(claim.stdout + claim.stderr);
  denied(await beta.write('src/ui/theme.css', ':root { --accent: teal; }\n'), 'beta writing src/ui/theme.css is denied by the glob:');

  section(5, 'beta changes src/auth/login.ts with a shell command (no edit hook sees that) and commits');
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
    for (const event of readEvents(store, { kinds: ['takeover'] })) {
      say(`the log records it: ${event.kind} of ${event.pattern} (token ${event.token}) from ${event.sessionId}, ${String(event.detail?.reason ?? '')}`);
    }
    const retry = await beta.bash('git commit -qam "Fix the login redirect"');
    if (retry.status === 0) ok("beta's commit goes through: it holds the file now");
    else quote(retry.stderr);

    section(7, 'Where things stand: agent-lease status');
    writeOut(indent(renderStatus(readStatus(store), Date.now()), '   '));
  } finally {
    store.close();
  }
}

/** The demo's processes see a private HOME and git config and no agent-lease or Claude Code identity of the caller. */
function isolate(base: string): void {
  const home = join(base, 'home');
  mkdirSync(home);
  for (const key of Object.keys(process.env)) {
    if (key.startsWith('AGENT_LEASE_') || key.startsWith('CLAUDE') || ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'HUSKY'].includes(key)) delete process.env[key];
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
function setUpRepository(shop: string): string {
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

function addWorktree(shop: string, name: string, branch: string): string {
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

/** What the hooks of one event answered, read the way Claude Code reads them. */
interface HookVerdict {
  denied: string | null;
  context: string[];
  messages: string[];
  errors: string[];
}

/** One stand-in agent process; its requests run one at a time. */
class Agent {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve(reply: AgentReply): void; reject(error: Error): void }>();
  private next = 0;

  constructor() {
    this.child = fork(AGENT, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.child.on('message', (reply: AgentReply) => {
      this.pending.get(reply.id)?.resolve(reply);
      this.pending.delete(reply.id);
    });
    this.child.on('exit', () => {
      for (const { reject } of this.pending.values()) reject(new AgentLeaseError('a demo agent process ended unexpectedly'));
      this.pending.clear();
    });
  }

  request(shell: AgentRequest['shell'], command: string, cwd: string, env: NodeJS.ProcessEnv, input = ''): Promise<AgentReply> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, shell, command, cwd, env, input } satisfies AgentRequest);
    });
  }

  /** SIGKILL: the process vanishes without running anything else. */
  async crash(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** A Claude Code session as the hooks see it: its id, the worktree it started in, its process. */
class ClaudeSession {
  private readonly agent = new Agent();
  private tools = 0;

  constructor(
    readonly id: string,
    readonly worktree: string,
    private readonly binDir: string,
    agents: Agent[],
  ) {
    agents.push(this.agent);
  }

  /** Runs every hook `.claude/settings.json` configures for `event` and `matched`, as Claude Code does. */
  async hook(event: string, fields: Record<string, unknown>, matched: string): Promise<HookVerdict> {
    const input = JSON.stringify({
      session_id: this.id,
      transcript_path: join(process.env.HOME ?? '', '.claude', 'projects', `${this.id}.jsonl`),
      cwd: this.worktree,
      permission_mode: 'default',
      hook_event_name: event,
      ...fields,
    });
    const env = { ...process.env, CLAUDE_PROJECT_DIR: this.worktree, CLAUDE_CODE_SESSION_ID: this.id };
    const verdict: HookVerdict = { denied: null, context: [], messages: [], errors: [] };
    for (const command of hookCommands(this.worktree, event, matched)) {
      const reply = await this.agent.request('sh', command, this.worktree, env, input);
      if (reply.status === 2) {
        verdict.denied = reply.stderr.trim();
      } else if (reply.status !== 0) {
        verdict.errors.push(reply.stderr.trim() || `exit ${reply.status}`);
      } else if (reply.stdout.trimStart().startsWith('{')) {
        const answer = JSON.parse(reply.stdout) as { systemMessage?: string; hookSpecificOutput?: Record<string, string> };
        if (answer.hookSpecificOutput?.permissionDecision === 'deny') verdict.denied = answer.hookSpecificOutput.permissionDecisionReason ?? '';
        if (answer.hookSpecificOutput?.additionalContext) verdict.context.push(answer.hookSpecificOutput.additionalContext);
        if (answer.systemMessage) verdict.messages.push(answer.systemMessage);
      }
    }
    return verdict;
  }

  edit(path: string, replacement: string): Promise<HookVerdict> {
    return this.tool('Edit', path, { old_string: 'return redirect(home);', new_string: replacement, replace_all: false }, (file) =>
      writeFileSync(file, readFileSync(file, 'utf8').replace(/return redirect\([^)]*\);/, replacement)),
    );
  }

  write(path: string, content: string): Promise<HookVerdict> {
    return this.tool('Write', path, { content }, (file) => writeFileSync(file, content));
  }

  /** The Bash tool: the command runs in the session's worktree, then the PostToolUse hooks. */
  async bash(command: string): Promise<AgentReply> {
    const env = { ...process.env, CLAUDE_CODE_SESSION_ID: this.id, PATH: `${this.binDir}:${process.env.PATH ?? ''}` };
    const reply = await this.agent.request('bash', command, this.worktree, env);
    const verdict = await this.hook(
      'PostToolUse',
      { tool_name: 'Bash', tool_input: { command }, tool_response: { stdout: reply.stdout, stderr: reply.stderr, interrupted: false, isImage: false }, tool_use_id: this.toolUseId() },
      'Bash',
    );
    requireNoErrors(verdict, 'PostToolUse');
    return reply;
  }

  crash(): Promise<void> {
    return this.agent.crash();
  }

  /** PreToolUse, then the tool itself when no hook denied it. */
  private async tool(toolName: string, path: string, toolInput: Record<string, unknown>, apply: (file: string) => void): Promise<HookVerdict> {
    const file = join(this.worktree, path);
    const verdict = await this.hook('PreToolUse', { tool_name: toolName, tool_input: { file_path: file, ...toolInput }, tool_use_id: this.toolUseId() }, toolName);
    requireNoErrors(verdict, 'PreToolUse');
    if (verdict.denied === null) apply(file);
    return verdict;
  }

  private toolUseId(): string {
    return `toolu_demo_${this.id}_${++this.tools}`;
  }
}

/** The hook commands of `event` in the worktree's .claude/settings.json whose matcher takes `matched`. */
function hookCommands(worktree: string, event: string, matched: string): string[] {
  const settings = JSON.parse(readFileSync(join(worktree, '.claude', 'settings.json'), 'utf8')) as {
    hooks?: Record<string, Array<{ matcher?: string; hooks: Array<{ type: string; command?: string }> }>>;
  };
  return (settings.hooks?.[event] ?? [])
    .filter((group) => matcherTakes(group.matcher, matched))
    .flatMap((group) => group.hooks.filter((handler) => handler.type === 'command' && handler.command).map((handler) => handler.command!));
}

/** Claude Code's matcher rule: a plain list of names (`Write|Edit`) matches exactly, anything else is a regex. */
function matcherTakes(matcher: string | undefined, value: string): boolean {
  if (matcher === undefined || matcher === '' || matcher === '*') return true;
  if (/^[A-Za-z0-9_|,]+$/.test(matcher)) return matcher.split(/[|,]/).includes(value);
  return new RegExp(matcher).test(value);
}

function requireNoErrors(verdict: HookVerdict, event: string): void {
  if (verdict.errors.length > 0) throw new AgentLeaseError(`the ${event} hook failed in the demo: ${verdict.errors.join('; ')}`);
}

function section(number: number, title: string): void {
  writeOut('');
  writeOut(paint(number === 0 ? title : `${number}. ${title}`, 'bold'));
}

function say(text: string): void {
  writeOut(`   ${text}`);
}

function ok(text: string): void {
  say(`${paint('✓', 'green')} ${text}`);
}

function no(text: string): void {
  say(`${paint('✗', 'red')} ${text}`);
}

function quote(text: string): void {
  writeOut(indent(text.trimEnd(), `     ${paint('│', 'dim')} `));
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

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '' : prefix + line))
    .join('\n');
}

function firstSentence(text: string): string {
  const end = text.indexOf('. ');
  return end === -1 ? text : text.slice(0, end + 1);
}
