import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  agentLeaseHooks,
  HOOK_ENTRIES,
  hookScript,
  PLUGIN_HOOK_SCRIPT,
  pluginHooksFile,
  PROJECT_HOOK_SCRIPT,
  type HookName,
} from '../lib/claude/hook-commands';
import { inspectClaudeHooks } from '../lib/claude/inspect';
import type { Settings } from '../lib/claude/settings-file';
import { addAgentLeaseHooks, removeAgentLeaseHooks } from '../lib/claude/settings-hooks';
import type { TempRepo } from './support/git-repo';
import { BIN, hookEnv, tempRepo } from './support/hooks';

const ROOT = join(__dirname, '..');

/** Settings a user might already have: other hooks on the same events, and unrelated keys. */
const USER_SETTINGS: Settings = {
  permissions: { allow: ['Bash(npm test)'] },
  hooks: {
    PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'echo pre-bash', timeout: 3 }] }],
    Stop: [{ hooks: [{ type: 'command', command: './scripts/notify.sh' }] }],
    UserPromptSubmit: [{ hooks: [{ type: 'command', command: 'date' }] }],
  },
  model: 'opus',
};

function agentLeaseHandlers(settings: Settings): string[] {
  const hooks = (settings.hooks ?? {}) as Record<string, Array<{ matcher?: string; hooks: Array<{ command: string; args?: string[] }> }>>;
  return Object.entries(hooks).flatMap(([event, groups]) =>
    groups.flatMap((group) =>
      group.hooks
        .map((h) => [h.command, ...(h.args ?? [])].join(' '))
        .filter((invocation) => invocation.includes('agent-lease'))
        .map((invocation) => `${event} ${group.matcher ?? '*'} ${/hook ([a-z-]+)$/.exec(invocation)?.[1]}`),
    ),
  );
}

test('adding keeps every other setting and hook, adds each entry once, and a second run changes nothing', () => {
  const first = addAgentLeaseHooks(USER_SETTINGS);
  assert.equal(first.changes.length, HOOK_ENTRIES.length);
  assert.ok(first.changes.every((change) => change.startsWith('added ')));
  const settings = first.settings as typeof USER_SETTINGS & { hooks: Record<string, unknown[]> };
  assert.deepEqual(settings.permissions, USER_SETTINGS.permissions);
  assert.equal(settings.model, 'opus');
  assert.deepEqual(settings.hooks.PreToolUse![0], (USER_SETTINGS.hooks as Record<string, unknown[]>).PreToolUse![0], "the user's hook stays first");
  assert.deepEqual(settings.hooks.UserPromptSubmit![0], (USER_SETTINGS.hooks as Record<string, unknown[]>).UserPromptSubmit![0], "the user's hook stays first");
  assert.deepEqual(agentLeaseHandlers(first.settings), [
    'PreToolUse Write|Edit|MultiEdit|NotebookEdit|Bash pre-tool-use',
    'Stop * stop',
    'UserPromptSubmit * user-prompt-submit',
    'SessionStart * session-start',
    'PostToolUse Bash post-tool-use',
    'PostToolUseFailure Bash post-tool-use',
    'SessionEnd * session-end',
    'SubagentStart * subagent-start',
    'SubagentStop * subagent-stop',
    'WorktreeRemove * worktree-remove',
  ]);
  const second = addAgentLeaseHooks(first.settings);
  assert.deepEqual(second.changes, []);
  assert.equal(second.settings, first.settings);
});

test('removing takes out exactly what adding put in', () => {
  for (const original of [USER_SETTINGS, {}, { env: { A: '1' } }]) {
    const added = addAgentLeaseHooks(original).settings;
    const removed = removeAgentLeaseHooks(added);
    assert.equal(removed.changes.length, HOOK_ENTRIES.length);
    assert.deepEqual(removed.settings, original);
    assert.deepEqual(removeAgentLeaseHooks(original).changes, [], 'nothing to remove the second time');
  }
});

test("an earlier agent-lease handler, even inside a group of the user's, is replaced rather than duplicated", () => {
  const legacy: Settings = {
    hooks: {
      PreToolUse: [
        {
          matcher: 'Write|Edit',
          hooks: [
            { type: 'command', command: 'npx agent-lease hook pre-tool-use' },
            { type: 'command', command: 'echo mine' },
          ],
        },
      ],
      UserPromptSubmit: [{ hooks: [{ type: 'command', command: 'agent-lease hook stop' }] }],
    },
  };
  const { settings, changes } = addAgentLeaseHooks(legacy);
  assert.ok(changes.includes(`updated PreToolUse (Write|Edit|MultiEdit|NotebookEdit|Bash) → agent-lease hook pre-tool-use, timeout 10s`), changes.join('\n'));
  assert.ok(changes.includes('updated UserPromptSubmit → agent-lease hook user-prompt-submit, timeout 10s'), changes.join('\n'));
  const hooks = settings.hooks as Record<string, Array<{ hooks: Array<{ command: string }> }>>;
  assert.deepEqual(
    hooks.PreToolUse![0]!.hooks.map((h) => h.command),
    ['echo mine'],
  );
  assert.equal(hooks.PreToolUse!.length, 2);
  assert.equal(hooks.UserPromptSubmit!.length, 1, "the stray handler's group is replaced by agent-lease's own");
  assert.equal(agentLeaseHandlers(settings).length, HOOK_ENTRIES.length);
});

test('the hook commands set timeouts in seconds and carry no npx and no machine-specific path', () => {
  for (const launcher of ['project', 'plugin'] as const) {
    for (const [event, groups] of Object.entries(agentLeaseHooks(launcher))) {
      const handler = groups[0]!.hooks[0] as { command: string; args?: string[]; timeout: number };
      assert.ok(Number.isInteger(handler.timeout) && handler.timeout >= 5 && handler.timeout <= 15, `${event} timeout`);
      const invocation = [handler.command, ...(handler.args ?? [])].join(' ');
      assert.doesNotMatch(invocation, /npx|tsx/);
      assert.doesNotMatch(invocation, new RegExp(ROOT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.doesNotMatch(invocation, /(^|[\s"=])\/(home|root|Users|tmp|work)\//);
      assert.ok(invocation.length < 100, `the ${launcher} ${event} hook is short: ${invocation}`);
    }
  }
});

/** A PATH with git on it and nothing else: no agent-lease installed globally. */
function pathWithOnlyGit(base: string): string {
  const dir = join(base, 'path-bin');
  mkdirSync(dir, { recursive: true });
  symlinkSync(execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim(), join(dir, 'git'));
  return dir;
}

/** A stand-in agent-lease binary that reports where it was found and what it was asked. */
function fakeBinary(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, '#!/bin/sh\necho "ran $0 $*"\n');
  chmodSync(file, 0o755);
}

/**
 * One hook as Claude Code runs it, in exec form with the placeholders substituted: init's script
 * (written where init writes it, in CLAUDE_PROJECT_DIR), or the plugin's through /bin/sh.
 */
function runCommand(hook: HookName, launcher: 'project' | 'plugin', env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  if (launcher === 'project') {
    mkdirSync(dirname(join(env.CLAUDE_PROJECT_DIR!, PROJECT_HOOK_SCRIPT)), { recursive: true });
    writeFileSync(join(env.CLAUDE_PROJECT_DIR!, PROJECT_HOOK_SCRIPT), hookScript('project'), { mode: 0o755 });
  }
  const handler = agentLeaseHooks(launcher).SessionStart![0]!.hooks[0] as { command: string; args: string[] };
  const substitute = (word: string) =>
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholders Claude Code substitutes in exec form
    word.replace('${CLAUDE_PLUGIN_ROOT}', env.CLAUDE_PLUGIN_ROOT ?? '').replace('${CLAUDE_PROJECT_DIR}', env.CLAUDE_PROJECT_DIR!);
  return spawnSync(substitute(handler.command), [...handler.args.slice(0, -1), hook].map(substitute), { env, encoding: 'utf8', timeout: 10_000 });
}

test("the hook command finds the binary in the session's worktree, then the main worktree, then PATH, and says clearly when it is missing", (t) => {
  const repo = tempRepo(t);
  const worktree = repo.addWorktree('wt-b');
  const path = pathWithOnlyGit(repo.base);
  const env = { ...hookEnv(repo.env), PATH: path, CLAUDE_PROJECT_DIR: worktree };

  const missing = runCommand('pre-tool-use', 'project', env);
  assert.equal(missing.status, 1, 'a non-blocking error, not a silent 127');
  assert.match(
    missing.stderr,
    new RegExp(
      `^agent-lease is not installed \\(looked in ${worktree}/node_modules/.bin/agent-lease, the main worktree and PATH\\): run npm install .*Files are NOT being leased\\.\\n$`,
    ),
  );

  fakeBinary(join(path, 'agent-lease'));
  assert.equal(runCommand('stop', 'project', env).stdout, `ran ${path}/agent-lease hook stop\n`);
  fakeBinary(join(repo.root, 'node_modules', '.bin', 'agent-lease'));
  assert.equal(runCommand('stop', 'project', env).stdout, `ran ${repo.root}/.git/../node_modules/.bin/agent-lease hook stop\n`);
  fakeBinary(join(worktree, 'node_modules', '.bin', 'agent-lease'));
  assert.equal(runCommand('session-end', 'project', env).stdout, `ran ${worktree}/node_modules/.bin/agent-lease hook session-end\n`);
});

test("the plugin's command runs the installed agent-lease the guard also finds, never a build inside the plugin, and otherwise asks for a global install", (t) => {
  const repo = tempRepo(t);
  const pluginRoot = join(repo.base, 'plugin');
  mkdirSync(join(pluginRoot, 'hooks'), { recursive: true });
  writeFileSync(join(pluginRoot, PLUGIN_HOOK_SCRIPT), hookScript('plugin'));
  const path = pathWithOnlyGit(repo.base);
  const env = { ...hookEnv(repo.env), PATH: path, CLAUDE_PROJECT_DIR: repo.root, CLAUDE_PLUGIN_ROOT: pluginRoot };
  fakeBinary(join(pluginRoot, 'dist', 'bin', 'agent-lease.js'));
  const missing = runCommand('pre-tool-use', 'plugin', env);
  assert.equal(missing.status, 1, 'a build inside the plugin is not used: the commit guard could not find it');
  assert.match(missing.stderr, /^agent-lease is not installed \(looked in .*\): run npm i -g agent-lease\. Files are NOT being leased\.\n$/);
  fakeBinary(join(path, 'agent-lease'));
  assert.equal(runCommand('pre-tool-use', 'plugin', env).stdout, `ran ${path}/agent-lease hook pre-tool-use\n`);
});

test('the plugin files are current: hooks/hooks.json as generated, versions as in package.json', () => {
  assert.equal(
    readFileSync(join(ROOT, 'hooks', 'hooks.json'), 'utf8'),
    pluginHooksFile(),
    'hooks/hooks.json is stale: regenerate it with `npm run build && node -e "process.stdout.write(require(\'./dist/lib/claude/hook-commands\').pluginHooksFile())" > hooks/hooks.json`',
  );
  assert.equal(
    readFileSync(join(ROOT, PLUGIN_HOOK_SCRIPT), 'utf8'),
    hookScript('plugin'),
    `${PLUGIN_HOOK_SCRIPT} is stale: regenerate it with \`npm run build && node -e "process.stdout.write(require('./dist/lib/claude/hook-commands').hookScript('plugin'))" > ${PLUGIN_HOOK_SCRIPT}\``,
  );
  const { version, files } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; files: string[] };
  assert.ok(files.includes(PLUGIN_HOOK_SCRIPT), 'the npm package ships the script');
  const plugin = JSON.parse(readFileSync(join(ROOT, '.claude-plugin', 'plugin.json'), 'utf8')) as { name: string; version: string };
  const marketplace = JSON.parse(readFileSync(join(ROOT, '.claude-plugin', 'marketplace.json'), 'utf8')) as {
    plugins: Array<{ name: string; source: string; version: string }>;
  };
  assert.equal(plugin.version, version);
  assert.deepEqual(
    marketplace.plugins.map((entry) => [entry.name, entry.source, entry.version]),
    [[plugin.name, './', version]],
  );
});

function cli(
  repo: TempRepo,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? repo.root,
    env: options.env ?? hookEnv(repo.env),
    encoding: 'utf8',
    timeout: 20_000,
  });
}

test('`agent-lease init` merges into .claude/settings.json idempotently, --dry-run changes nothing, uninstall restores the file', (t) => {
  const repo = tempRepo(t);
  const env = { ...hookEnv(repo.env), PATH: pathWithOnlyGit(repo.base) };
  const file = join(repo.root, '.claude', 'settings.json');
  const original = `${JSON.stringify(USER_SETTINGS, null, 4)}\n`;
  repo.write('.claude/settings.json', original);

  const dry = cli(repo, ['init', '--dry-run'], { env });
  assert.equal(dry.status, 0);
  assert.match(dry.stdout, /^would change \.claude\/settings\.json:\n {2}added SessionStart → agent-lease hook session-start, timeout 15s\n/);
  assert.match(dry.stdout, /\nwould install the commit guard: it runs from \.git\/hooks\/pre-commit, pre-merge-commit, pre-applypatch, prepare-commit-msg\n/);
  assert.equal(dry.stdout.match(/\.git\/hooks\/pre-commit/g)?.length, 1, 'the hook is named once, not in the list of changes and again in the description');
  assert.equal(readFileSync(file, 'utf8'), original);
  assert.equal(existsSync(join(repo.root, '.git', 'hooks', 'pre-commit')), false);

  const init = cli(repo, ['init'], { env });
  assert.equal(init.status, 0, init.stderr);
  assert.match(init.stdout, /^changed \.claude\/settings\.json:\n/);
  assert.match(init.stdout, /\nwrote \.claude\/hooks\/agent-lease\.sh, the script the hooks run\n/);
  assert.match(init.stdout, /Commit \.claude\/settings\.json, \.claude\/hooks\/agent-lease\.sh so that every worktree of this branch runs the hooks/);
  assert.match(readFileSync(join(repo.root, '.git', 'hooks', 'pre-commit'), 'utf8'), /agent-lease guard/);
  assert.match(init.stderr, /warning: the hooks will not find an agent-lease binary from this worktree: run npm i -D agent-lease/);
  const installed = readFileSync(file, 'utf8');
  assert.match(installed, /^{\n {4}"permissions"/, 'the file keeps its 4-space indentation');
  assert.equal(agentLeaseHandlers(JSON.parse(installed) as Settings).length, HOOK_ENTRIES.length);

  fakeBinary(join(repo.root, 'node_modules', '.bin', 'agent-lease'));
  const again = cli(repo, ['init'], { env });
  assert.deepEqual(
    [again.status, again.stdout, again.stderr],
    [
      0,
      '.claude/settings.json: agent-lease hooks already installed\ncommit guard already installed: it runs from .git/hooks/pre-commit, pre-merge-commit, pre-applypatch, prepare-commit-msg\n',
      '',
    ],
  );
  assert.equal(readFileSync(file, 'utf8'), installed);

  const uninstall = cli(repo, ['uninstall'], { env });
  assert.equal(uninstall.status, 0);
  assert.match(
    uninstall.stdout,
    /removed PreToolUse → agent-lease hook pre-tool-use\n(.*\n)*removed the commit guard \(\.git\/hooks\/pre-commit, \.git\/hooks\/pre-merge-commit, \.git\/hooks\/pre-applypatch, \.git\/hooks\/prepare-commit-msg\)\n/,
  );
  assert.match(uninstall.stdout, /\nremoved \.claude\/hooks\/agent-lease\.sh\n/);
  assert.equal(readFileSync(file, 'utf8'), original);
  assert.equal(existsSync(join(repo.root, '.claude', 'hooks')), false);
  assert.equal(existsSync(join(repo.root, '.git', 'hooks', 'pre-commit')), false);
});

test("`init --local` writes the main worktree's settings.local.json from any worktree; uninstall of a file init created removes it", (t) => {
  const repo = tempRepo(t);
  const worktree = repo.addWorktree('wt-b');
  const local = join(repo.root, '.claude', 'settings.local.json');
  assert.equal(cli(repo, ['init', '--local'], { cwd: worktree }).status, 0);
  const settings = JSON.parse(readFileSync(local, 'utf8')) as Settings;
  assert.equal(agentLeaseHandlers(settings).length, HOOK_ENTRIES.length);
  const script = join(realpathSync(repo.root), '.git', 'agent-lease', 'claude-hooks.sh');
  assert.deepEqual((settings.hooks as Record<string, Array<{ hooks: unknown[] }>>).Stop![0]!.hooks[0], {
    type: 'command',
    command: script,
    args: ['hook', 'stop'],
    timeout: 15,
  });
  assert.equal(readFileSync(script, 'utf8'), hookScript('project'), 'the personal script lives under the git directory, shared by every worktree');
  assert.equal(existsSync(join(worktree, '.claude')), false);
  assert.equal(cli(repo, ['uninstall', '--local'], { cwd: worktree }).status, 0);
  assert.equal(existsSync(join(repo.root, '.claude')), false);
  assert.equal(existsSync(script), false);
});

test('a settings file that is not valid JSON is left alone with a message naming it', (t) => {
  const repo = tempRepo(t);
  repo.write('.claude/settings.json', '{ "hooks": { } // a comment\n}\n');
  const run = cli(repo, ['init']);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /^agent-lease init: .*\.claude\/settings\.json is not valid JSON \(.*\); fix it by hand first, nothing was changed\n$/);
  assert.equal(readFileSync(join(repo.root, '.claude', 'settings.json'), 'utf8'), '{ "hooks": { } // a comment\n}\n');
});

test('inspectClaudeHooks (for doctor) reports missing hooks and a hook command that would find no binary', (t) => {
  const repo = tempRepo(t);
  const env = { PATH: pathWithOnlyGit(repo.base) };
  const home = join(repo.base, 'home');
  const before = inspectClaudeHooks(repo.root, { home, env });
  assert.equal(before.missing.length, HOOK_ENTRIES.length);
  assert.match(before.problems.join('\n'), /no agent-lease hooks in the Claude Code settings of this worktree: run `agent-lease init`/);

  assert.equal(cli(repo, ['init']).status, 0);
  const noBinary = inspectClaudeHooks(repo.root, { home, env });
  assert.deepEqual(noBinary.missing, []);
  assert.deepEqual(
    noBinary.files.map((file) => file.path),
    [join(repo.root, '.claude', 'settings.json')],
  );
  assert.match(noBinary.problems.join('\n'), /the hooks will not find an agent-lease binary/);

  fakeBinary(join(repo.root, 'node_modules', '.bin', 'agent-lease'));
  const worktree = repo.addWorktree('wt-b');
  repo.git(['add', '.claude']);
  repo.git(['commit', '-q', '-m', 'agent-lease hooks']);
  repo.git(['merge', '-q', 'main'], worktree);
  const healthy = inspectClaudeHooks(worktree, { home, env });
  assert.deepEqual(healthy.problems, [], "a fresh worktree finds the main worktree's binary");
  assert.equal(healthy.binary.path, join(repo.root, 'node_modules', '.bin', 'agent-lease'));

  rmSync(join(worktree, PROJECT_HOOK_SCRIPT));
  assert.match(
    inspectClaudeHooks(worktree, { home, env }).problems.join('\n'),
    /\.claude\/hooks\/agent-lease\.sh, which the hooks run, is missing: run agent-lease init \(and commit it with the settings\)/,
  );
  writeFileSync(join(worktree, PROJECT_HOOK_SCRIPT), hookScript('project').replace('exec', 'echo'), { mode: 0o755 });
  assert.match(inspectClaudeHooks(worktree, { home, env }).problems.join('\n'), /agent-lease\.sh is from another version of agent-lease: run agent-lease init/);

  const settings = JSON.parse(readFileSync(join(repo.root, '.claude', 'settings.json'), 'utf8')) as { hooks: Record<string, unknown> };
  delete settings.hooks.Stop;
  repo.write('.claude/settings.json', JSON.stringify(settings));
  assert.deepEqual(inspectClaudeHooks(repo.root, { home, env }).missing, ['Stop']);
});

test('uninstall says what it leaves: the store, the views, the exclude line, and the hooks other branches have committed', (t) => {
  const repo = tempRepo(t);
  const env = { ...hookEnv(repo.env), PATH: pathWithOnlyGit(repo.base) };
  repo.write('src/a.ts', 'export const a = 1;\n');
  assert.equal(cli(repo, ['init'], { env }).status, 0);
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'agent-lease']);
  const other = repo.addWorktree('wt-other', 'other');
  assert.equal(cli(repo, ['claim', 'src/a.ts', '--session', 'carol'], { env }).status, 0);

  const uninstall = cli(repo, ['uninstall'], { env });
  assert.equal(uninstall.status, 0, uninstall.stderr);
  const left = uninstall.stdout.slice(uninstall.stdout.indexOf('left in place'));
  assert.match(left, /^left in place \(remove by hand what you want gone\):\n/);
  assert.match(left, /^ {2}\.git\/agent-lease: the lease store and its event log/m);
  assert.match(left, /^ {2}\.agent-locks, \.\.\/wt-other\/\.agent-locks: the generated lease files$/m);
  assert.match(left, /^ {2}\.git\/info\/exclude: its \/\.agent-locks\/ line$/m);
  assert.match(
    left,
    /^ {2}\.\.\/wt-other\/\.claude\/settings\.json \(other\): agent-lease's hooks, committed on that branch \(run agent-lease uninstall there\)$/m,
  );
  assert.ok(existsSync(join(other, '.claude', 'settings.json')));
});

test('upgrading from the inline hook command of earlier versions replaces each handler, once; uninstall and doctor know both forms', (t) => {
  const repo = tempRepo(t);
  const env = { ...hookEnv(repo.env), PATH: pathWithOnlyGit(repo.base) };
  const inline = readFileSync(join(ROOT, 'test', 'fixtures', 'settings-inline-hooks.json'), 'utf8');
  repo.write('.claude/settings.json', inline);
  fakeBinary(join(repo.root, 'node_modules', '.bin', 'agent-lease'));
  const home = join(repo.base, 'home');
  // Those versions hooked six events; UserPromptSubmit, the subagent events and WorktreeRemove came later.
  const inlineEvents = Object.keys((JSON.parse(inline) as { hooks: Record<string, unknown> }).hooks).length;
  assert.deepEqual(
    inspectClaudeHooks(repo.root, { home, env }).problems,
    ['agent-lease hooks missing from the Claude Code settings: UserPromptSubmit, SubagentStart, SubagentStop, WorktreeRemove; run `agent-lease init` again'],
    'doctor takes the inline form as installed, and names what a newer version adds',
  );
  assert.equal(removeAgentLeaseHooks(JSON.parse(inline) as Settings).changes.length, inlineEvents, 'uninstall finds every inline handler');

  const upgrade = cli(repo, ['init'], { env });
  assert.equal(upgrade.status, 0, upgrade.stderr);
  assert.equal(upgrade.stdout.match(/^ {2}updated /gm)?.length, inlineEvents, upgrade.stdout);
  assert.equal(upgrade.stdout.match(/^ {2}added /gm)?.length, HOOK_ENTRIES.length - inlineEvents, upgrade.stdout);
  const upgraded = JSON.parse(readFileSync(join(repo.root, '.claude', 'settings.json'), 'utf8')) as Settings;
  assert.deepEqual(
    upgraded,
    addAgentLeaseHooks({ permissions: { allow: ['Bash(npm test)'] } }).settings,
    'exactly a fresh install: nothing duplicated, nothing of the old left',
  );
  assert.equal(agentLeaseHandlers(upgraded).length, HOOK_ENTRIES.length);
  assert.doesNotMatch(JSON.stringify(upgraded), /node_modules/, 'the lookup is in the script now, not in the settings');
  assert.deepEqual(inspectClaudeHooks(repo.root, { home, env }).problems, []);

  assert.equal(readFileSync(join(repo.root, PROJECT_HOOK_SCRIPT), 'utf8'), hookScript('project'));
  const hook = runCommand('stop', 'project', { ...env, CLAUDE_PROJECT_DIR: repo.root });
  assert.equal(hook.stdout, `ran ${repo.root}/node_modules/.bin/agent-lease hook stop\n`, "the script runs the binary with the handler's arguments");
  assert.equal(cli(repo, ['uninstall'], { env }).status, 0);
  assert.deepEqual(JSON.parse(readFileSync(join(repo.root, '.claude', 'settings.json'), 'utf8')), { permissions: { allow: ['Bash(npm test)'] } });
  assert.equal(existsSync(join(repo.root, '.claude', 'hooks')), false);
});
