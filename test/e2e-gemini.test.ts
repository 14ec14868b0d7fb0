// End to end on the real Gemini CLI (the pinned @google/gemini-cli): `gemini -p` in a project set
// up by `agent-lease init --for claude,gemini`, driven by a scripted model speaking the Gemini API,
// while a Claude Code session holds src/x.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { geminiCli, geminiModel, functionResponses, startGemini } from './support/gemini';
import { hookEnv, tempRepo } from './support/hooks';
import { assertOutcome, claudeHolds, FREE, HELD, initProject, sessionOf, status } from './support/other-clients';

const CLI = geminiCli();
const SKIP = CLI === null ? 'Gemini CLI (@google/gemini-cli, a dev dependency) is not installed: run npm install to run this suite' : false;

test('Gemini CLI: its write of a file Claude Code holds is denied, its write of a free file is leased (status: runtime gemini-cli), its commit of the held file is refused', {
  skip: SKIP,
  timeout: 240_000,
}, async (t) => {
  const repo = tempRepo(t);
  const init = initProject(repo, 'claude,gemini');
  assert.match(init, /changed \.gemini\/settings\.json/);
  await claudeHolds(t, repo, repo.root, HELD);

  let during: ReturnType<typeof status> | null = null;
  const model = geminiModel([
    (request) => {
      assert.match(JSON.stringify(request.body), /agent-lease coordinates the agents working on this repository/, 'the briefing reached the model');
      return { call: 'write_file', args: { file_path: join(repo.root, HELD), content: 'export const x = 2;\n' } };
    },
    (request) => {
      assert.match(functionResponses(request).at(-1)!, /Tool execution blocked: agent-lease denied this edit: src\/x\.ts is leased to another session/);
      return { call: 'replace', args: { file_path: FREE, old_string: 'free = 1', new_string: 'free = 2', instruction: 'bump' } };
    },
    (request) => {
      assert.doesNotMatch(functionResponses(request).at(-1)!, /error/, functionResponses(request).at(-1));
      during = status(repo);
      // A write the shell check cannot see coming (and AfterTool cannot credit to Gemini: the holder works in the same worktree).
      return { call: 'run_shell_command', args: { command: `node -e "require('fs').appendFileSync('src/x.ts', '// gemini\\n')"`, description: 'append' } };
    },
    (request) => {
      assert.match(readFileSync(join(repo.root, HELD), 'utf8'), /\/\/ gemini/, functionResponses(request).at(-1));
      return { call: 'run_shell_command', args: { command: `git add src/x.ts && git commit -q -m 'gemini: x'`, description: 'commit' } };
    },
    (request) => {
      assert.match(
        functionResponses(request).at(-1)!,
        /Tool execution blocked: agent-lease guard: commit refused: 1 staged file is held by another session[\s\S]*git hooks turned off/,
      );
      return { text: 'Done.' };
    },
  ]);
  t.after(() => model.close());
  const run = startGemini({
    cli: CLI!,
    cwd: repo.root,
    geminiHome: join(repo.base, 'gemini-home'),
    baseUrl: await model.start(),
    env: hookEnv(repo.env),
    prompt: 'Work on the files as the script says.',
  });
  const result = await run.exited;
  model.assertPlayed();
  assert.equal(result.code, 0, result.stderr.slice(-3000));

  assertOutcome(repo, during, 'gemini-cli');
  const ended = status(repo);
  assert.equal(sessionOf(ended, 'gemini-cli'), null, 'SessionEnd ended the session');
});
