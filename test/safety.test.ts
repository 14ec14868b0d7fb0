// Safety: file names that look like options or hold shell syntax do nothing but name files, through
// the hooks, the command line and the commit guard; no shell is ever started to run git (checked on
// the real processes with strace); and neither the store nor .agent-locks/ can end up in a commit.
// (One session releasing or renewing another's lease only with --force, logged with who did it, is
// in test/leases.test.ts and test/cli-commands.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BIN, runCli, type CliResult } from './support/cli';
import { assertNoCrash, makeFaultRepo, type FaultRepo } from './support/faults';
import { fixture, runHook } from './support/hooks';

const A = 'session-a';
const B = 'session-b';

/** Names a shell, getopt or a careless quote would take for something else. */
const HOSTILE_NAMES = [
  '--help.ts',
  '-rf',
  '--',
  '$(touch pwned).ts',
  '`touch pwned`.ts',
  'a;touch pwned;b.ts',
  'x || touch pwned',
  '>pwned',
  'it\'s "quoted".ts',
  'new\nline.ts',
  'src/--force',
  'src/*.ts',
  'src/[abc].ts',
  ' spaced .ts ',
];

function noPwned(repo: FaultRepo): void {
  const found = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() && entry.name !== '.git' ? found(join(dir, entry.name)) : entry.name === 'pwned' ? [join(dir, entry.name)] : [],
    );
  assert.deepEqual(found(repo.base), [], 'no shell ran any of the names');
}

test('file names that look like options or hold shell syntax are leased, checked, refused and committed as the names they are', (t) => {
  const repo = makeFaultRepo(t);
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [BIN, ...args], { cwd: repo.root, env: { ...repo.hookEnv, ...env }, encoding: 'utf8' });
  for (const name of HOSTILE_NAMES) {
    repo.write(name, 'x\n');
    const edit = repo.edit(A, join(repo.root, name));
    assert.deepEqual([edit.status, edit.stdout, edit.stderr], [0, '', ''], JSON.stringify(name));
  }
  const held = JSON.parse(cli(['status', '--json']).stdout) as { leases: Array<{ pattern: string; sessionId: string }> };
  assert.deepEqual(held.leases.map((lease) => lease.pattern).sort(), HOSTILE_NAMES.map((name) => name).sort(), 'each leased under its own name');

  for (const name of HOSTILE_NAMES) {
    const label = JSON.stringify(name);
    const who = cli(['who', '--json', '--', name]);
    assert.equal(who.status, 0, `${label}: ${who.stderr}`);
    assert.deepEqual(
      (JSON.parse(who.stdout) as Array<{ path: string; holders: Array<{ sessionId: string }> }>).map((entry) => [
        entry.path,
        entry.holders.map((h) => h.sessionId),
      ]),
      [[name, [A]]],
      label,
    );
    assert.equal(cli(['check', '--', name], { AGENT_LEASE_SESSION: B }).status, 1, label);
    assert.equal(cli(['check', '--', name], { AGENT_LEASE_SESSION: A }).status, 0, label);
  }
  const claim = cli(['claim', '--as', 'carol', '--', ...HOSTILE_NAMES.filter((name) => !/[*[]/.test(name))]);
  assert.equal(claim.status, 1, claim.stderr);
  assert.match(claim.stderr, /nothing was granted/);

  repo.git(['add', '-A']);
  const refused = repo.commit(['-m', 'hostile'], { env: { AGENT_LEASE_SESSION: B } });
  assert.equal(refused.status, 1);
  for (const name of HOSTILE_NAMES) assert.ok(refused.stderr.includes(`\n  ${name}\n    session-a `), `${JSON.stringify(name)} listed as it is`);

  // The commands the refusal suggests, run by a shell as a person would paste them, name the file.
  repo.git(['reset', '-q']);
  repo.git(['add', '--', '$(touch pwned).ts']);
  const one = repo.commit(['-m', 'one'], { env: { AGENT_LEASE_SESSION: B } });
  const suggested = /agent-lease who (.*)\)\n/.exec(one.stderr)?.[1];
  assert.equal(suggested, "'$(touch pwned).ts'");
  const pasted = spawnSync('sh', ['-c', `"$0" "$1" who --json ${suggested}`, process.execPath, BIN], { cwd: repo.root, env: repo.hookEnv, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(pasted.stdout)[0].path, '$(touch pwned).ts');

  repo.git(['add', '-A']);
  const committed = repo.commit(['-q', '-m', 'hostile'], { env: { AGENT_LEASE_SESSION: A } });
  assert.equal(committed.status, 0, committed.stderr);
  // Not repo.git(), which trims the output, and the first name begins with a space.
  const tree = spawnSync('git', ['ls-tree', '-r', '-z', '--name-only', 'HEAD'], { cwd: repo.root, env: repo.env, encoding: 'utf8' }).stdout.split('\0');
  for (const name of HOSTILE_NAMES) assert.ok(tree.includes(name), `${JSON.stringify(name)} committed under its name`);
  noPwned(repo);
});

/** The programs `command` (and everything it started) executed, by strace; null when strace cannot run here. */
function executedPrograms(argv: string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string }, log: string): string[] | null {
  const result = spawnSync('strace', ['-f', '-qq', '-e', 'trace=execve', '-e', 'status=successful', '-o', log, ...argv], {
    ...options,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error !== undefined || !existsSync(log)) return null;
  assertNoCrash({ status: result.status, stderr: result.stderr, signal: result.signal }, argv.join(' '));
  return [...readFileSync(log, 'utf8').matchAll(/execve\("([^"]+)"/g)].map((match) => basename(match[1]!));
}

test('no shell is ever started: the hooks, the guard and the commands run git (and node) directly, whatever the file names', (t) => {
  const repo = makeFaultRepo(t);
  for (const name of HOSTILE_NAMES) repo.write(name, 'x\n');
  const log = join(repo.base, 'strace.log');
  const runs: Array<[label: string, argv: string[], input?: string]> = [
    ...(['session-start', 'pre-tool-use', 'post-tool-use', 'stop', 'session-end'] as const).map((event): [string, string[], string] => {
      const sample = {
        'session-start': 'session-start.startup',
        'pre-tool-use': 'pre-tool-use.write',
        'post-tool-use': 'post-tool-use.bash',
        stop: 'stop',
        'session-end': 'session-end',
      }[event];
      const input = fixture(
        sample,
        repo.root,
        A,
        event === 'pre-tool-use' ? { tool_input: { file_path: join(repo.root, '$(touch pwned).ts'), content: 'x' } } : {},
      );
      return [`hook ${event}`, [process.execPath, BIN, 'hook', event], JSON.stringify(input)];
    }),
    ['claim', [process.execPath, BIN, 'claim', '--as', 'carol', '--', '-rf', 'a;touch pwned;b.ts', 'new\nline.ts']],
    ['who', [process.execPath, BIN, 'who', '--', '--help.ts', '$(touch pwned).ts']],
    ['check', [process.execPath, BIN, 'check', '--', '`touch pwned`.ts']],
    ['status', [process.execPath, BIN, 'status']],
    ['release', [process.execPath, BIN, 'release', '--all', '--as', 'carol']],
    ['doctor', [process.execPath, BIN, 'doctor']],
  ];
  const seen = new Set<string>();
  for (const [label, argv, input] of runs) {
    const programs = executedPrograms(argv, { cwd: repo.root, env: repo.hookEnv, ...(input === undefined ? {} : { input }) }, log);
    if (programs === null) return t.skip('strace is not available here');
    for (const program of programs) seen.add(program);
    assert.deepEqual(
      programs.filter((program) => program !== 'node' && program !== 'git'),
      [],
      `${label} started only node and git`,
    );
  }
  repo.git(['add', '-A']);
  const guard = executedPrograms([process.execPath, BIN, 'guard'], { cwd: repo.root, env: { ...repo.env, AGENT_LEASE_SESSION: B } }, log);
  assert.deepEqual(
    guard!.filter((program) => program !== 'node' && program !== 'git'),
    [],
    'the guard started only node and git',
  );
  assert.ok(guard!.includes('git') && seen.has('git'), 'git did run: the trace is not empty for want of looking');
  noPwned(repo);
});

test('the store and .agent-locks/ never end up in a commit: init has git ignore .agent-locks/, and git never adds anything under .git', (t) => {
  const repo = makeFaultRepo(t);
  const cli = (args: string[]): CliResult => runCli(args, { cwd: repo.root, env: repo.hookEnv });
  const linked = repo.addWorktree('wt-b');
  const init = cli(['init']);
  assert.equal(init.status, 0, init.stderr);
  assert.match(init.stdout, /^added \/\.agent-locks\/ to \.git\/info\/exclude \(generated lease files, never committed\)$/m);
  assert.match(readFileSync(join(repo.root, '.git', 'info', 'exclude'), 'utf8'), /^\/\.agent-locks\/$/m);
  assert.doesNotMatch(cli(['init']).stdout, /info\/exclude/, 'said once');

  // Lots of activity: hooks in both worktrees, claims, a person's dropped claim, releases, gc.
  const env = repo.hookEnv;
  for (const [cwd, session] of [
    [repo.root, A],
    [linked, B],
  ] as const) {
    for (const file of ['src/a.ts', 'src/b.ts', 'docs/c.md']) {
      runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, session, { cwd, tool_input: { file_path: join(cwd, session, file), content: 'x' } }), {
        env,
        cwd,
      });
    }
  }
  assert.equal(cli(['claim', 'lib/**', '--as', 'dana']).status, 0);
  writeFileSync(join(repo.root, '.agent-locks', 'erin.json'), JSON.stringify({ agent: 'erin', files: ['tools/**'], ttl: '2h' }));
  writeFileSync(join(linked, '.agent-locks', 'broken.json'), '{ not json');
  assert.equal(cli(['claim', 'more/**', '--as', 'dana']).status, 0);
  assert.equal(cli(['release', 'lib/**', '--as', 'dana']).status, 0);
  assert.equal(cli(['gc']).status, 0);
  assert.ok(readdirSync(join(repo.root, '.agent-locks')).length > 1 && readdirSync(join(linked, '.agent-locks')).length > 1, 'both views are full of files');

  for (const cwd of [repo.root, linked]) {
    repo.write('work.ts', `${cwd}\n`, cwd);
    repo.git(['add', '-A'], cwd);
    repo.git(['add', '-f', '.git/agent-lease/state.db'], repo.root);
    const commit = repo.commit(['-q', '-m', 'everything'], { cwd, env: { AGENT_LEASE_SESSION: cwd === linked ? B : A } });
    assert.equal(commit.status, 0, commit.stderr);
    const tree = repo.git(['ls-tree', '-r', '--name-only', 'HEAD'], cwd).split('\n');
    assert.deepEqual(
      tree.filter((path) => path.startsWith('.agent-locks') || path.includes('agent-lease/') || path.endsWith('.db')),
      [],
      cwd,
    );
    assert.ok(tree.includes('work.ts'), 'the commit did take the work');
  }
});
