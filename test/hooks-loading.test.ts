// What a hook process loads: every tool call pays for it, so zod, the command-line code and
// minimatch (for an ordinary path) must stay off the hook path.
import { type TestContext, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import type { TempRepo } from './support/git-repo';
import { BIN, fixture, HOOK_SAMPLES, hookEnv, tempRepo } from './support/hooks';
import { engineRepoStore, forEachEngine, type Engine } from './support/engines';

/**
 * A temporary repository, and `modulesLoaded`: the modules a hook call in it loaded, as paths
 * relative to node_modules or to the project.
 */
function reportingRepo(t: TestContext, engine: Engine = 'sqlite'): { repo: TempRepo; modulesLoaded(event: string, input: Record<string, unknown>): string[] } {
  const repo = tempRepo(t);
  const preload = join(repo.base, 'report-modules.cjs');
  writeFileSync(preload, "process.on('exit', () => process.stderr.write('MODULES ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));\n");
  const env = hookEnv(repo.env, engineRepoStore(engine, repo).env);
  const modulesLoaded = (event: string, input: Record<string, unknown>): string[] => {
    const result = spawnSync(process.execPath, ['-r', preload, BIN, 'hook', event], { input: JSON.stringify(input), env, encoding: 'utf8', timeout: 20_000 });
    assert.equal(result.status, 0, result.stderr);
    const line = result.stderr.split('\n').find((l) => l.startsWith('MODULES '));
    assert.ok(line, result.stderr);
    return (JSON.parse(line.slice('MODULES '.length)) as string[]).map((file) =>
      file
        .split(`node_modules${sep}`)
        .pop()!
        .replace(join(__dirname, '..') + sep, ''),
    );
  };
  return { repo, modulesLoaded };
}

test('no hook loads zod or the command-line code, and an ordinary edit does not load minimatch', (t) => {
  const { repo, modulesLoaded } = reportingRepo(t);
  for (const [event, sample] of HOOK_SAMPLES) {
    const loaded = modulesLoaded(event, fixture(sample, repo.root, 'a-session'));
    assert.ok(
      loaded.some((file) => file.startsWith(`dist${sep}hooks${sep}`)),
      `${event}: ${loaded.join(', ')}`,
    );
    assert.deepEqual(
      loaded.filter((file) => file.startsWith('zod') || file.startsWith(`dist${sep}cli${sep}`)),
      [],
      event,
    );
    if (event === 'pre-tool-use')
      assert.deepEqual(
        loaded.filter((file) => file.startsWith('minimatch')),
        [],
        'minimatch for src/auth/login.ts',
      );
  }
});

forEachEngine((engine) => {
  test('a configuration file is validated with zod once, then read from the cache among the local files (in team mode too, where no SQLite file is)', (t) => {
    const { repo, modulesLoaded } = reportingRepo(t, engine);
    repo.write('.agent-lease.json', JSON.stringify({ ttl: { edit: '20m' } }));
    const first = modulesLoaded('pre-tool-use', fixture('pre-tool-use.write', repo.root, 'a-session'));
    assert.ok(
      first.some((file) => file.startsWith('zod')),
      'validated',
    );
    const second = modulesLoaded('pre-tool-use', fixture('pre-tool-use.write', repo.root, 'a-session'));
    assert.deepEqual(
      second.filter((file) => file.startsWith('zod')),
      [],
      'cached',
    );
  });
});

test('the shell parser is loaded for Bash calls only', (t) => {
  const { repo, modulesLoaded } = reportingRepo(t);
  const parser = (loaded: string[]): string[] => loaded.filter((file) => file.startsWith('tree-sitter'));
  assert.deepEqual(parser(modulesLoaded('pre-tool-use', fixture('pre-tool-use.write', repo.root, 'a-session'))), [], 'Write');
  assert.deepEqual(parser(modulesLoaded('pre-tool-use', fixture('pre-tool-use.edit', repo.root, 'a-session'))), [], 'Edit');
  assert.deepEqual(parser(modulesLoaded('post-tool-use', fixture('post-tool-use.bash', repo.root, 'a-session'))), [], 'PostToolUse Bash');
  const bash = modulesLoaded('pre-tool-use', fixture('pre-tool-use.bash', repo.root, 'a-session'));
  assert.ok(parser(bash).length > 0, `Bash: ${bash.join(', ')}`);
});

const OTHER_ADAPTERS = ['clients-bundle.js', 'clients.js', 'client-events.js', 'codex.js', 'gemini.js', 'opencode.js'];

test("Claude Code's hooks load none of the other clients' adapters, and their bundle holds none of them", (t) => {
  const { repo, modulesLoaded } = reportingRepo(t);
  for (const [event, sample] of HOOK_SAMPLES) {
    const loaded = modulesLoaded(event, fixture(sample, repo.root, 'a-session'));
    assert.deepEqual(
      loaded.filter((file) => OTHER_ADAPTERS.includes(basename(file))),
      [],
      event,
    );
  }
  const bundle = readFileSync(join(BIN, '..', '..', 'hooks', 'bundle.js'), 'utf8');
  for (const name of ['apply_patch', 'run_shell_command', 'beforeHooklessCommit', 'tool-before']) assert.equal(bundle.includes(name), false, name);
});
