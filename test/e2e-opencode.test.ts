// End to end on the real OpenCode (the pinned opencode-linux-x64-baseline, opencode-ai's Linux
// binary): `opencode run` in a project set up by
// `agent-lease init --for claude,opencode` (its plugin in .opencode/plugins/), driven by a scripted
// model behind an OpenAI-compatible provider, while a Claude Code session holds src/x.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { hookEnv, tempRepo } from './support/hooks';
import { opencodeCli, opencodeModel, opencodeSkip, startOpencode, toolResults } from './support/opencode';
import { assertOutcome, claudeHolds, FREE, HELD, initProject, status } from './support/other-clients';

const CLI = opencodeCli();
const SKIP = opencodeSkip(CLI);

test('OpenCode: its write of a file Claude Code holds is refused by the plugin, its edit of a free file is leased (status: runtime opencode), its commit of the held file is refused', {
  skip: SKIP,
  timeout: 300_000,
}, async (t) => {
  const repo = tempRepo(t);
  const init = initProject(repo, 'claude,opencode');
  assert.match(init, /changed \.opencode\/plugins\/agent-lease\.js/);
  await claudeHolds(t, repo, repo.root, HELD);

  let during: ReturnType<typeof status> | null = null;
  const model = opencodeModel([
    () => ({ call: 'write', args: { filePath: join(repo.root, HELD), content: 'export const x = 2;\n' } }),
    (request) => {
      assert.match(toolResults(request).at(-1)!, /agent-lease denied this edit: src\/x\.ts is leased to another session/);
      return { call: 'edit', args: { filePath: join(repo.root, FREE), oldString: 'free = 1', newString: 'free = 2' } };
    },
    (request) => {
      assert.doesNotMatch(toolResults(request).at(-1)!, /agent-lease|rror/, toolResults(request).at(-1));
      during = status(repo);
      return { call: 'bash', args: { command: `node -e "require('fs').appendFileSync('src/x.ts', '// opencode\\n')"`, description: 'append' } };
    },
    () => ({ call: 'bash', args: { command: `git add src/x.ts && git commit -q -m 'opencode: x'`, description: 'commit' } }),
    (request) => {
      assert.match(
        toolResults(request).at(-1)!,
        /agent-lease guard: commit refused: 1 staged file is held by another session[\s\S]*this commit runs under its agent process/,
      );
      return { text: 'Done.' };
    },
  ]);
  t.after(() => model.close());
  const run = startOpencode({
    cli: CLI!,
    cwd: repo.root,
    home: join(repo.base, 'opencode-home'),
    baseUrl: await model.start(),
    env: hookEnv(repo.env),
    prompt: 'Work on the files as the script says.',
  });
  const result = await run.exited;
  assert.equal(result.code, 0, result.stderr.slice(-3000));
  model.assertPlayed();

  assertOutcome(repo, during, 'opencode');
});
