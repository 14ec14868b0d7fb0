// End to end on the real Codex CLI (the pinned @openai/codex): `codex exec` in a project set up by
// `agent-lease init --for claude,codex`, driven by a scripted model speaking the Responses API,
// while a Claude Code session holds src/x.ts.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codexCli, codexModel, requestText, startCodex, toolOutputs, writeCodexHome, type CodexReply } from './support/codex';
import { BIN, hookEnv, tempRepo } from './support/hooks';
import type { ScriptStep } from './support/scripted-server';
import { assertOutcome, claudeHolds, FREE, FREE_TEXT, HELD, HELD_TEXT, initProject, status } from './support/other-clients';

const CLI = codexCli();
const SKIP = CLI === null ? 'Codex CLI (@openai/codex, a dev dependency) is not installed: run npm install to run this suite' : false;

const update = (path: string, from: string, to: string): CodexReply => ({
  patch: `*** Begin Patch\n*** Update File: ${path}\n@@\n-${from}\n+${to}\n*** End Patch\n`,
});

async function runCodex(t: TestContext, repoBase: string, cwd: string, env: NodeJS.ProcessEnv, steps: ScriptStep<CodexReply>[], bypassHookTrust = true) {
  const model = codexModel(steps);
  t.after(() => model.close());
  const codexHome = join(repoBase, `codex-home-${Math.random().toString(36).slice(2)}`);
  writeCodexHome(codexHome, await model.start());
  const home = join(repoBase, 'home');
  mkdirSync(home, { recursive: true });
  const result = await startCodex({ cli: CLI!, cwd, codexHome, home, env: hookEnv(env), prompt: 'Work on the files as the script says.', bypassHookTrust })
    .exited;
  return { model, result, codexHome };
}

test('Codex: its patch of a file Claude Code holds is denied, its patch of a free file is leased (status: runtime codex), its commit of the held file is refused', {
  skip: SKIP,
  timeout: 240_000,
}, async (t) => {
  const repo = tempRepo(t);
  const init = initProject(repo, 'claude,codex');
  assert.match(init, /changed \.codex\/hooks\.json/);
  assert.match(init, /Trust all and continue/, 'init says how to approve the hooks');
  await claudeHolds(t, repo, repo.root, HELD);

  let during: ReturnType<typeof status> | null = null;
  const { model, result } = await runCodex(t, repo.base, repo.root, repo.env, [
    (request) => {
      assert.match(requestText(request), /agent-lease coordinates the agents working on this repository/, 'the briefing reached the model');
      assert.match(requestText(request), /src\/x\.ts/, 'the briefing names the held file');
      return update(HELD, HELD_TEXT.trim(), 'export const x = 2;');
    },
    (request) => {
      assert.match(toolOutputs(request).at(-1)!, /blocked by PreToolUse hook: agent-lease denied this edit: src\/x\.ts is leased to another session/);
      return update(FREE, FREE_TEXT.trim(), 'export const free = 2;');
    },
    (request) => {
      assert.match(toolOutputs(request).at(-1)!, /Success/);
      during = status(repo);
      // A write the shell check cannot see coming, then a commit of it: the guard refuses it.
      return { shell: `node -e "require('fs').appendFileSync('src/x.ts', '// codex\\n')" && git add src/x.ts && git commit -q -m 'codex: x'` };
    },
    (request) => {
      assert.match(
        toolOutputs(request).at(-1)!,
        /agent-lease guard: commit refused: 1 staged file is held by another session\.[\s\S]*this commit runs under its agent process/,
      );
      return { text: 'Done.' };
    },
  ]);
  model.assertPlayed();
  assert.equal(result.code, 0, result.stderr.slice(-2000));

  assertOutcome(repo, during, 'codex');
});

test('Codex skips hooks nobody approved: its patch of a held file goes through, and doctor says the hooks are not approved', {
  skip: SKIP,
  timeout: 180_000,
}, async (t) => {
  const repo = tempRepo(t);
  initProject(repo, 'codex');
  await claudeHolds(t, repo, repo.root, HELD);
  const { model, result, codexHome } = await runCodex(
    t,
    repo.base,
    repo.root,
    repo.env,
    [() => update(HELD, HELD_TEXT.trim(), 'export const x = 3;'), () => ({ text: 'Done.' })],
    false,
  );
  model.assertPlayed();
  assert.equal(result.code, 0, result.stderr.slice(-2000));
  assert.equal(readFileSync(join(repo.root, HELD), 'utf8'), 'export const x = 3;\n', 'unapproved hooks did not run');

  const doctor = spawnSync(process.execPath, [BIN, 'doctor'], { cwd: repo.root, env: { ...hookEnv(repo.env), CODEX_HOME: codexHome }, encoding: 'utf8' });
  assert.match(doctor.stdout, /codex +5 of agent-lease.s hooks are not approved in .*config\.toml: Codex skips them silently/);
  assert.match(doctor.stdout, /Trust all and continue/);
});
