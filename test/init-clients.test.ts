// `init --for` and `uninstall --for` for the clients other than Claude Code: each one's file,
// idempotent, keeping the user's own settings; uninstall takes out exactly what init put in.
// And `doctor` on Codex's approvals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCliRepo, type CliRepo } from './support/cli';

function repoFor(t: import('node:test').TestContext): CliRepo {
  const repo = makeCliRepo();
  t.after(() => repo.cleanup());
  return repo;
}

/** The user's own settings in each client's file before agent-lease touches it. */
const USER_CODEX = { hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'echo mine', timeout: 3 }] }] } };
const USER_GEMINI = {
  model: { name: 'gemini-2.5-pro' },
  hooks: { BeforeTool: [{ matcher: 'write_file', hooks: [{ type: 'command', command: 'echo mine', timeout: 3000 }] }] },
};

test('init --for codex,gemini,opencode writes each file once, keeping the user settings; uninstall --for removes exactly that', (t) => {
  const repo = repoFor(t);
  const write = (file: string, value: unknown) => repo.write(file, `${JSON.stringify(value, null, 2)}\n`);
  write('.codex/hooks.json', USER_CODEX);
  write('.gemini/settings.json', USER_GEMINI);
  const originals = ['.codex/hooks.json', '.gemini/settings.json'].map((file) => readFileSync(join(repo.root, file), 'utf8'));

  const first = repo.cli(['init', '--for', 'codex,gemini', '--for', 'opencode']);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /changed \.codex\/hooks\.json:\n {2}added SessionStart → agent-lease hook codex session-start/);
  assert.match(first.stdout, /added PreToolUse \(apply_patch\|Bash\) → agent-lease hook codex pre-tool-use/);
  assert.match(first.stdout, /added BeforeTool \(write_file\|replace\|run_shell_command\) → agent-lease hook gemini before-tool/);
  assert.match(first.stdout, /changed \.opencode\/plugins\/agent-lease\.js:\n {2}added the agent-lease plugin/);
  assert.match(first.stdout, /Codex runs these hooks only once you approve them/);
  assert.equal(existsSync(join(repo.root, '.claude', 'settings.json')), false, '--for without claude leaves Claude Code alone');

  const codex = JSON.parse(readFileSync(join(repo.root, '.codex/hooks.json'), 'utf8'));
  assert.deepEqual(codex.hooks.PreToolUse[0], USER_CODEX.hooks.PreToolUse[0], "the user's hook stays, first");
  assert.equal(codex.hooks.PreToolUse[1].hooks[0].timeout, 10, 'Codex timeouts are seconds');
  const gemini = JSON.parse(readFileSync(join(repo.root, '.gemini/settings.json'), 'utf8'));
  assert.deepEqual(gemini.model, USER_GEMINI.model);
  assert.equal(gemini.hooks.BeforeTool[1].hooks[0].timeout, 10_000, 'Gemini CLI timeouts are milliseconds');
  assert.match(gemini.hooks.BeforeTool[1].hooks[0].command, /exec "\$b" hook gemini before-tool$/);

  const again = repo.cli(['init', '--for', 'codex,gemini,opencode']);
  assert.match(again.stdout, /\.codex\/hooks\.json: agent-lease's Codex CLI hooks already installed/);
  assert.match(again.stdout, /\.gemini\/settings\.json: agent-lease's Gemini CLI hooks already installed/);
  assert.match(again.stdout, /agent-lease\.js: agent-lease's OpenCode hooks already installed/);

  const removed = repo.cli(['uninstall', '--for', 'codex,gemini,opencode']);
  assert.equal(removed.status, 0, removed.stderr);
  assert.deepEqual(
    ['.codex/hooks.json', '.gemini/settings.json'].map((file) => readFileSync(join(repo.root, file), 'utf8')),
    originals,
  );
  assert.equal(existsSync(join(repo.root, '.opencode/plugins/agent-lease.js')), false);
  assert.match(repo.cli(['status']).stdout + repo.cli(['doctor']).stdout, /guard/, 'the commit guard stays for the other clients');
  assert.doesNotMatch(removed.stdout, /removed the commit guard/);
  const none = repo.cli(['uninstall', '--for', 'codex']);
  assert.match(none.stdout, /no agent-lease Codex CLI hooks to remove/);
});

test('init --for all sets up the clients installed here; a file agent-lease does not own is left alone; a bad name is a usage error', (t) => {
  const repo = repoFor(t);
  const bin = join(repo.base, 'bin');
  mkdirSync(bin);
  for (const program of ['codex', 'gemini']) {
    writeFileSync(join(bin, program), '#!/bin/sh\n');
    chmodSync(join(bin, program), 0o755);
  }
  const env = { PATH: `${bin}:/usr/bin:/bin` };
  const all = repo.cli(['init', '--for', 'all', '--dry-run'], { env });
  assert.equal(all.status, 0, all.stderr);
  assert.match(all.stdout, /would change \.codex\/hooks\.json/);
  assert.match(all.stdout, /would change \.gemini\/settings\.json/);
  assert.doesNotMatch(all.stdout, /opencode|\.claude/);
  assert.equal(existsSync(join(repo.root, '.codex')), false, '--dry-run writes nothing');

  repo.write('.opencode/plugins/agent-lease.js', 'export const Mine = async () => ({});\n');
  const foreign = repo.cli(['init', '--for', 'opencode']);
  assert.equal(foreign.status, 2);
  assert.match(foreign.stderr, /agent-lease\.js exists and is not agent-lease's; move it away first/);

  const bad = repo.cli(['init', '--for', 'cursor']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--for takes claude, codex, gemini, opencode or all, not "cursor"/);
});

test('doctor: Codex hooks of an untrusted project, then unapproved ones, are warnings; approved ones are ok', (t) => {
  const repo = repoFor(t);
  repo.cli(['init', '--for', 'codex']);
  const codexHome = join(repo.base, 'codex-home');
  mkdirSync(codexHome);
  const doctor = () => repo.cli(['doctor'], { env: { CODEX_HOME: codexHome } }).stdout;
  assert.match(doctor(), /warn +codex +Codex does not trust this project/);

  const config = join(codexHome, 'config.toml');
  writeFileSync(config, `model = "gpt-5.5"\n\n[projects.${JSON.stringify(repo.root)}]\ntrust_level = "trusted"\n`);
  assert.match(doctor(), /warn +codex +5 of agent-lease's hooks are not approved in .*config\.toml: Codex skips them silently/);

  const hooksFile = join(repo.root, '.codex', 'hooks.json');
  const keys = ['session_start', 'pre_tool_use', 'post_tool_use', 'stop', 'session_end'].map((event) => `${hooksFile}:${event}:0:0`);
  writeFileSync(
    config,
    `${readFileSync(config, 'utf8')}\n${keys.map((key) => `[hooks.state.${JSON.stringify(key)}]\ntrusted_hash = "sha256:00"\n`).join('\n')}`,
  );
  assert.match(doctor(), /ok +codex +5 hooks in .*hooks\.json, approved/);
});
