// The hot path runs no git: PreToolUse for an edit nobody else holds (granted, then renewed), and
// for a Bash command that writes nothing, spawns no git process — seen by a spy `git` on PATH.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { spyOnGit } from './support/git-spy';
import { fixture, hookEnv, runHook, tempRepo } from './support/hooks';

const A = '9d3c1f7e-1111-4a2b-9c1d-0a1b2c3d4e5f';
const B = '5e6f7a8b-2222-4c3d-8e9f-1a2b3c4d5e6f';

test('an uncontended PreToolUse runs no git: a granted edit, a renewed one, and a Bash command that writes nothing', (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  const spy = spyOnGit(repo.base, env);

  // Another session holds a file elsewhere: a lease in the store, not in the way.
  const elsewhere = { tool_input: { file_path: join(repo.root, 'src', 'other.ts'), old_string: 'a', new_string: 'b', replace_all: false } };
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.edit', repo.root, B, elsewhere), { env }).status, 0);

  const granted = runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env: spy.env });
  const renewed = runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env: spy.env });
  const bash = runHook('pre-tool-use', fixture('pre-tool-use.bash', repo.root, A, { tool_input: { command: 'ls -la src && grep -rn x .' } }), { env: spy.env });
  for (const [name, run] of [
    ['granted', granted],
    ['renewed', renewed],
    ['bash', bash],
  ] as const) {
    assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', ''], name);
  }
  assert.deepEqual(spy.calls(), [], 'git calls on the hot path');
});
