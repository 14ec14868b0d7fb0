// One repository, three worktrees, three real clients at once: Claude Code, Codex CLI and Gemini
// CLI, each driven by its own scripted model. Each edits its own file, then tries the other two
// while their sessions are still working: every one of those edits is denied, on one store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { claudeCodeCli, gate, lastToolOutcome, ScriptedModel, startClaude, type Step } from './support/claude-code';
import { codexCli, codexModel, startCodex, toolOutputs, writeCodexHome, type CodexReply } from './support/codex';
import { functionResponses, geminiCli, geminiModel, startGemini, type GeminiReply } from './support/gemini';
import { hookEnv, tempRepo } from './support/hooks';
import { initProject, sessionOf, status } from './support/other-clients';
import type { ScriptStep } from './support/scripted-server';

const CLAUDE = claudeCodeCli();
const CODEX = codexCli();
const GEMINI = geminiCli();
const SKIP =
  CLAUDE === null || CODEX === null || GEMINI === null ? 'Claude Code, Codex CLI and Gemini CLI (dev dependencies) must be installed: run npm install' : false;

const FILES = { claude: 'src/a.ts', codex: 'src/b.ts', gemini: 'src/c.ts' } as const;
const DENIED = /agent-lease denied this edit: src\/[bca]\.ts is leased to another session/;

/** Resolves once `count` parties have arrived. */
function barrier(count: number): { arrive(): Promise<void> } {
  const all = gate();
  let arrived = 0;
  return {
    arrive() {
      if (++arrived === count) all.open();
      return all.promise;
    },
  };
}

test("Claude Code, Codex and Gemini CLI in three worktrees of one repository: each is denied the others' files", {
  skip: SKIP,
  timeout: 300_000,
}, async (t) => {
  const repo = tempRepo(t);
  repo.write(FILES.claude, 'export const a = 1;\n');
  repo.write(FILES.codex, 'export const b = 1;\n');
  repo.write(FILES.gemini, 'export const c = 1;\n');
  initProject(repo, 'claude,codex,gemini');
  const worktrees = {
    claude: repo.addWorktree('wt-claude', 'claude'),
    codex: repo.addWorktree('wt-codex', 'codex'),
    gemini: repo.addWorktree('wt-gemini', 'gemini'),
  };
  const env = hookEnv(repo.env);
  const allHold = barrier(3);
  const allTried = barrier(3);
  let during: ReturnType<typeof status> | null = null;

  const claudeFile = (name: keyof typeof FILES) => join(worktrees.claude, FILES[name]);
  const claudeSteps: Step[] = [
    () => ({ tools: Object.keys(FILES).map((name) => ({ tool: 'Read', input: { file_path: claudeFile(name as keyof typeof FILES) } })) }),
    () => ({ tool: 'Write', input: { file_path: claudeFile('claude'), content: 'export const a = 2;\n' } }),
    async (request) => {
      assert.equal(lastToolOutcome(request).isError, false, lastToolOutcome(request).result);
      await allHold.arrive();
      return { tool: 'Write', input: { file_path: claudeFile('codex'), content: 'export const b = 9;\n' } };
    },
    (request) => {
      assert.match(lastToolOutcome(request).result, DENIED);
      return { tool: 'Write', input: { file_path: claudeFile('gemini'), content: 'export const c = 9;\n' } };
    },
    async (request) => {
      assert.match(lastToolOutcome(request).result, DENIED);
      await allTried.arrive();
      return { text: 'Claude is done.' };
    },
  ];

  const patch = (path: string, from: string, to: string): CodexReply => ({
    patch: `*** Begin Patch\n*** Update File: ${path}\n@@\n-${from}\n+${to}\n*** End Patch\n`,
  });
  const codexSteps: ScriptStep<CodexReply>[] = [
    () => patch(FILES.codex, 'export const b = 1;', 'export const b = 2;'),
    async (request) => {
      assert.match(toolOutputs(request).at(-1)!, /Success/);
      await allHold.arrive();
      return patch(FILES.claude, 'export const a = 1;', 'export const a = 9;');
    },
    (request) => {
      assert.match(toolOutputs(request).at(-1)!, DENIED);
      return patch(FILES.gemini, 'export const c = 1;', 'export const c = 9;');
    },
    async (request) => {
      assert.match(toolOutputs(request).at(-1)!, DENIED);
      await allTried.arrive();
      return { text: 'Codex is done.' };
    },
  ];

  const geminiSteps: ScriptStep<GeminiReply>[] = [
    () => ({ call: 'write_file', args: { file_path: FILES.gemini, content: 'export const c = 2;\n' } }),
    async (request) => {
      assert.doesNotMatch(functionResponses(request).at(-1)!, /error/);
      await allHold.arrive();
      during = status(repo);
      return { call: 'write_file', args: { file_path: FILES.claude, content: 'export const a = 9;\n' } };
    },
    (request) => {
      assert.match(functionResponses(request).at(-1)!, DENIED);
      return { call: 'replace', args: { file_path: FILES.codex, old_string: 'b = 1', new_string: 'b = 9', instruction: 'change b' } };
    },
    async (request) => {
      assert.match(functionResponses(request).at(-1)!, DENIED);
      await allTried.arrive();
      return { text: 'Gemini is done.' };
    },
  ];

  const claudeModel = new ScriptedModel(claudeSteps);
  const codex = codexModel(codexSteps);
  const gemini = geminiModel(geminiSteps);
  t.after(() => Promise.all([claudeModel.close(), codex.close(), gemini.close()]));
  const homes = (name: string) => {
    const home = join(repo.base, `home-${name}`);
    mkdirSync(home, { recursive: true });
    return home;
  };
  const codexHome = join(repo.base, 'codex-home');
  writeCodexHome(codexHome, await codex.start());
  const claudeRun = startClaude({ cli: CLAUDE!, cwd: worktrees.claude, baseUrl: await claudeModel.start(), home: homes('claude'), env, timeoutMs: 240_000 });
  t.after(() => claudeRun.child.kill('SIGKILL'));
  const runs = await Promise.all([
    claudeRun.exited,
    startCodex({ cli: CODEX!, cwd: worktrees.codex, codexHome, home: homes('codex'), env, prompt: 'Work as the script says.', timeoutMs: 240_000 }).exited,
    startGemini({
      cli: GEMINI!,
      cwd: worktrees.gemini,
      geminiHome: homes('gemini'),
      baseUrl: await gemini.start(),
      env,
      prompt: 'Work as the script says.',
      timeoutMs: 240_000,
    }).exited,
  ]);
  if (claudeModel.failure !== null) throw claudeModel.failure;
  codex.assertPlayed();
  gemini.assertPlayed();
  for (const [index, run] of runs.entries()) assert.equal(run.code, 0, `${['claude', 'codex', 'gemini'][index]}: ${run.stderr.slice(-2000)}`);

  for (const [name, runtime] of [
    ['claude', 'claude-code'],
    ['codex', 'codex'],
    ['gemini', 'gemini-cli'],
  ] as const) {
    assert.deepEqual(sessionOf(during!, runtime)?.holds, [FILES[name]], `${runtime} holds its own file`);
    for (const [other, file] of Object.entries(FILES)) {
      if (other === name) continue;
      assert.equal(readFileSync(join(worktrees[name], file), 'utf8').includes('9'), false, `${name}'s denied edit of ${file} left it unchanged`);
    }
  }
});
