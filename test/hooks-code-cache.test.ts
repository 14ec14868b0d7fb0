// The hooks bundle is loaded through V8's code cache (hooks/load.ts): made on the first call,
// used as it is afterwards, and rewritten when V8 rejects it; the hook answers the same either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, hookEnv, tempRepo, withRepoStore } from './support/hooks';
import { acquire } from '../lib/core/acquire';
import { registerSession } from '../lib/core/sessions';

const PROJECT = join(__dirname, '..');

test('the code cache is made once, reused, and rewritten when corrupt; answers do not change', async (t) => {
  const repo = tempRepo(t);
  // A private copy of the build, so this test's cache is its own.
  const installed = join(repo.base, 'installed');
  cpSync(join(PROJECT, 'dist'), join(installed, 'dist'), { recursive: true });
  symlinkSync(join(PROJECT, 'node_modules'), join(installed, 'node_modules'));
  const cache = join(installed, 'dist', 'hooks', 'bundle.js.pre-tool-use.cache');
  if (existsSync(cache)) writeFileSync(cache, '');
  await withRepoStore(repo, async (store) => {
    await registerSession(store, { id: 'holder', runtime: 'cli' });
    await acquire(store, 'holder', ['src/auth/login.ts'], { task: 'auth' });
  });
  const decision = (input: Record<string, unknown>): string => {
    const result = spawnSync(process.execPath, [join(installed, 'dist', 'bin', 'agent-lease.js'), 'hook', 'pre-tool-use'], {
      input: JSON.stringify(input),
      env: hookEnv(repo.env),
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout).hookSpecificOutput.permissionDecision as string;
  };
  const deny = (): string => decision(fixture('pre-tool-use.write', repo.root, 'writer'));

  assert.equal(deny(), 'deny');
  const made = readFileSync(cache);
  assert.ok(made.length > 1000, 'the first call leaves a cache behind');
  const mtime = statSync(cache).mtimeMs;

  assert.equal(deny(), 'deny');
  assert.equal(statSync(cache).mtimeMs, mtime, 'an accepted cache is not rewritten');

  writeFileSync(cache, 'not a V8 code cache');
  assert.equal(deny(), 'deny');
  assert.ok(readFileSync(cache).length > 1000, 'a rejected cache is replaced');

  // A Bash call runs code an edit does not: the cache is rewritten once to hold both kinds.
  const header = (): string => readFileSync(cache).subarray(0, 40).toString('latin1').split('\n')[0]!;
  assert.equal(header(), 'default');
  const bash = (): string => decision({ ...fixture('pre-tool-use.bash', repo.root, 'writer'), tool_input: { command: 'echo x > src/auth/login.ts' } });
  const before = readFileSync(cache).length;
  assert.equal(bash(), 'deny');
  assert.equal(header(), 'bash,default');
  assert.ok(readFileSync(cache).length > before, 'the Bash path is compiled into it too');
  const both = statSync(cache).mtimeMs;
  assert.equal(bash(), 'deny');
  assert.equal(deny(), 'deny');
  assert.equal(statSync(cache).mtimeMs, both, 'and then left alone');
});
