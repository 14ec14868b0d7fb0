// Bad input to the compiled hooks and to the command line: hook stdin of every wrong kind (a fixed
// list, then random mutations of real samples), awkward paths, patterns and configuration files.
// Each gives one clear line and the right exit code, never a stack trace; each good-but-odd value
// (a quote, a newline, a very long name) simply works. test/hooks-input.test.ts and
// test/cli-usage.test.ts hold the first cases of each kind; this extends them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { makeCliRepo, type CliRepo, type CliResult } from './support/cli';
import { assertNoCrash, assertOneLineError } from './support/faults';
import { makeRepo } from './support/git-repo';
import { fixture, HOOK_SAMPLES, hookEnv, runHook, runHookAsync, tempRepo, type HookRun } from './support/hooks';
import { scaled } from './support/long';

const A = 'session-a';
const B = 'session-b';

/** Every line a hook may fail with names its event and says what is wrong with the input. */
const CLEAR_HOOK_FAILURE =
  /^agent-lease hook( [a-z-]+: (stdin is not valid JSON \((empty|\d+ bytes)\)|stdin must be a JSON object|the input has no "[\w.]+" (string|object) \(got [a-z ]+\)|cannot use the input's cwd .*|stdin is larger than \d+ bytes|tool_input\.\w+ .* is a directory, not a file)|: unknown event "[^"]*" \(expected one of [a-z-, ]+\))(; nothing was leased)?$/;

/** Exit 0 with nothing or with an answer Claude Code understands, or exit 1 with one clear line. */
function assertHookCoped(run: HookRun, label: string): void {
  assertNoCrash(run, label);
  if (run.status === 1) {
    assert.equal(run.stdout, '', label);
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, `${label}: ${run.stderr}`);
    assert.match(run.stderr.trimEnd(), CLEAR_HOOK_FAILURE, label);
    return;
  }
  assert.equal(run.status, 0, `${label}: ${run.stderr}`);
  if (run.stdout === '') return;
  const answer = JSON.parse(run.stdout) as Record<string, unknown>;
  for (const key of Object.keys(answer)) assert.ok(['systemMessage', 'hookSpecificOutput'].includes(key), `${label}: unknown answer ${key}`);
}

test('hook stdin that is too big (10 MB), not JSON, or JSON of the wrong shape, field by field: exit 1 and one clear line each', (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  const write = fixture('pre-tool-use.write', repo.root, A);
  repo.write('src/x.ts');
  const huge = JSON.stringify({ ...write, padding: 'x'.repeat(10 * 1024 * 1024) });
  const cases: Array<[event: string, input: string, problem: RegExp]> = [
    ['pre-tool-use', huge, /stdin is larger than 4194304 bytes; nothing was leased$/],
    ['stop', 'hello', /stdin is not valid JSON \(5 bytes\)/],
    ['stop', '\u0000\u0001\u00ff binary', /stdin is not valid JSON/],
    ['stop', `\ufeff${JSON.stringify(fixture('stop', repo.root, A))}`, /stdin is not valid JSON/],
    ['stop', '"a string"', /stdin must be a JSON object/],
    ['stop', 'null', /stdin must be a JSON object/],
    [
      'session-end',
      JSON.stringify({ ...fixture('session-end', repo.root, A), session_id: { id: A } }),
      /the input has no "session_id" string \(got a object\)/,
    ],
    [
      'session-end',
      JSON.stringify({ ...fixture('session-end', repo.root, A), session_id: '' }),
      /the input has no "session_id" string \(got an empty string\)/,
    ],
    ['pre-tool-use', JSON.stringify({ ...write, tool_name: 7 }), /the input has no "tool_name" string \(got a number\)/],
    ['pre-tool-use', JSON.stringify({ ...write, tool_input: null }), /the input has no "tool_input" object \(got null\)/],
    ['pre-tool-use', JSON.stringify({ ...write, tool_input: [write.tool_input] }), /the input has no "tool_input" object \(got an array\)/],
    ['pre-tool-use', JSON.stringify({ ...write, tool_input: { file_path: ['a.ts'] } }), /the input has no "tool_input\.file_path" string \(got an array\)/],
    ['pre-tool-use', JSON.stringify({ ...write, tool_input: { file_path: '' } }), /the input has no "tool_input\.file_path" string \(got an empty string\)/],
    ['pre-tool-use', JSON.stringify(fixture('stop', repo.root, A)), /the input has no "tool_name" string \(got nothing\)/],
    [
      'pre-tool-use',
      JSON.stringify({ ...write, tool_input: { file_path: join(repo.root, 'src') } }),
      /tool_input\.file_path .*\/src is a directory, not a file; nothing was leased$/,
    ],
    ['post-tool-use', JSON.stringify({ ...fixture('post-tool-use.bash', repo.root, A), cwd: 42 }), /./],
    [
      'pre-tool-use',
      JSON.stringify({ ...write, cwd: 'no/such/directory' }),
      /cannot use the input's cwd no\/such\/directory \(ENOENT: .*\); nothing was leased$/,
    ],
  ];
  for (const [event, input, problem] of cases) {
    const label = `${event} ${input.slice(0, 200)}`;
    const run = runHook(event, input, { env, cwd: repo.root });
    assertHookCoped(run, label);
    if (event === 'post-tool-use') continue;
    assert.equal(run.status, 1, label);
    assert.match(run.stderr.trimEnd(), problem, label);
  }
  for (const event of ['', 'PreToolUse', 'pre_tool_use']) {
    const run = runHook(event, JSON.stringify(write), { env, cwd: repo.root });
    assertHookCoped(run, `hook ${event}`);
    assert.equal(run.status, 1, event);
    assert.match(run.stderr, /unknown event/);
  }
});

test('tools and events a hook does not handle are let through silently', (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  const cases: Array<[string, Record<string, unknown>]> = [
    ['pre-tool-use', fixture('pre-tool-use.write', repo.root, A, { tool_name: 'Read', tool_input: { file_path: join(repo.root, 'README.md') } })],
    ['pre-tool-use', fixture('pre-tool-use.write', repo.root, A, { tool_name: 'mcp__files__write', tool_input: { path: 'x' } })],
    ['pre-tool-use', fixture('pre-tool-use.bash', repo.root, A)],
    ['post-tool-use', fixture('post-tool-use.edit', repo.root, A)],
    ['post-tool-use', fixture('post-tool-use.bash', repo.root, A, { tool_name: 'WebFetch' })],
    ['stop', fixture('stop', repo.root, A, { hook_event_name: 'SubagentStop', some_new_field: { nested: [1, 2] } })],
  ];
  for (const [event, input] of cases) {
    const run = runHook(event, input, { env, cwd: repo.root });
    assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', ''], `${event} ${String(input.tool_name ?? input.hook_event_name)}`);
  }
});

const MUTATIONS = scaled(60, 1500);

test(`${MUTATIONS} random mutations of real hook inputs: every hook copes, with an answer or one clear line`, async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  const samples = HOOK_SAMPLES.map(([event, sample]) => [event, fixture(sample, repo.root, A)] as const);
  // A mutation replaces, removes or adds one field (top level or inside tool_input) with any JSON
  // value, or cuts the text short, or flips bytes of it.
  const key = fc.constantFrom(
    'session_id',
    'cwd',
    'hook_event_name',
    'tool_name',
    'tool_input',
    'source',
    'reason',
    'stop_hook_active',
    'file_path',
    'command',
    'x',
  );
  const mutation = fc.record({
    sample: fc.nat({ max: samples.length - 1 }),
    kind: fc.constantFrom('replace', 'remove', 'nested', 'truncate', 'flip'),
    key,
    value: fc.jsonValue({ maxDepth: 3 }),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
  });
  const seed = Date.now();
  const inputs = fc.sample(mutation, { numRuns: MUTATIONS, seed }).map(({ sample, kind, key: field, value, at }) => {
    const [event, input] = samples[sample]!;
    const copy: Record<string, unknown> = JSON.parse(JSON.stringify(input));
    if (kind === 'replace') copy[field] = value;
    if (kind === 'remove') delete copy[field];
    if (kind === 'nested') copy.tool_input = { ...(copy.tool_input as object), [field === 'x' ? 'file_path' : field]: value };
    let text = JSON.stringify(copy);
    if (kind === 'truncate') text = text.slice(0, Math.floor(at * text.length));
    if (kind === 'flip') {
      const bytes = Buffer.from(text);
      const index = Math.floor(at * bytes.length);
      bytes[index] = (bytes[index] ?? 0) ^ 0x5a;
      text = bytes.toString('latin1');
    }
    return { event, text };
  });
  const counts = { answered: 0, silent: 0, refused: 0 };
  for (let next = 0; next < inputs.length; next += 4) {
    const batch = inputs.slice(next, next + 4);
    const runs = await Promise.all(batch.map(({ event, text }) => runHookAsync(event, text, { env, cwd: repo.root })));
    runs.forEach((run, i) => {
      assertHookCoped(run, `seed ${seed}, input ${next + i} to ${batch[i]!.event}: ${batch[i]!.text.slice(0, 300)}`);
      counts[run.status === 1 ? 'refused' : run.stdout === '' ? 'silent' : 'answered']++;
    });
  }
  t.diagnostic(`seed ${seed}: ${JSON.stringify(counts)}`);
  assert.ok(counts.refused > 0 && counts.silent + counts.answered > 0, 'the mutations produced both good and bad inputs');
});

function only(result: CliResult, label: string): CliResult {
  assertNoCrash(result, label);
  return result;
}

test('awkward paths, through the hooks and the command line: relative, escaping, symlinked out, in another repository, a directory, newlines, quotes, non-ASCII, very long', (t) => {
  const repo = makeCliRepo();
  const other = makeRepo();
  t.after(() => {
    repo.cleanup();
    other.cleanup();
  });
  const env = hookEnv(repo.env);
  const edit = (session: string, file: string): HookRun =>
    runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, session, { tool_input: { file_path: file, content: 'x' } }), { env, cwd: repo.root });
  mkdirSync(join(repo.root, 'src'), { recursive: true });
  symlinkSync(repo.base, join(repo.root, 'src', 'link-out'));
  symlinkSync(other.root, join(repo.root, 'src', 'link-other'));
  const deep = `src/${Array.from({ length: 30 }, (_, i) => `directory-${i}-${'d'.repeat(100)}`).join('/')}/file.ts`;
  const odd = [
    'src/new\nline.ts',
    `src/it's "quoted" $(touch x).ts`,
    'src/naïve-日本語-✓.ts',
    `src/${'n'.repeat(300)}.ts`,
    deep,
    'src/-rf',
    'src/ leading and trailing .ts ',
  ];

  for (const name of odd) {
    const label = JSON.stringify(name.slice(0, 60));
    const leased = edit(A, join(repo.root, name));
    assert.deepEqual([leased.status, leased.stdout, leased.stderr], [0, '', ''], `${label}: leased by A`);
    assert.equal(edit(B, join(repo.root, name)).json?.hookSpecificOutput?.permissionDecision, 'deny', `${label}: denied to B`);
    const who = only(repo.cli(['who', name, '--json']), label);
    assert.deepEqual(
      (JSON.parse(who.stdout) as Array<{ path: string; holders: Array<{ sessionId: string }> }>).map((entry) => [
        entry.path,
        entry.holders.map((holder) => holder.sessionId),
      ]),
      [[name, [A]]],
      label,
    );
    assert.equal(only(repo.cli(['check', name, '--as', 'carol']), label).status, 1, `${label}: check sees A`);
    assert.equal(only(repo.cli(['claim', name, '--as', 'carol']), label).status, 1, `${label}: carol cannot claim it`);
  }
  assert.equal(edit(A, 'src/relative.ts').stdout, '', 'a relative file_path is taken from the cwd');
  assert.deepEqual((JSON.parse(repo.cli(['who', 'src/relative.ts', '--json']).stdout) as Array<{ holders: unknown[] }>)[0]!.holders.length, 1);

  const outside = [
    join(repo.root, '..', 'escape.ts'),
    join(repo.root, 'src', '..', '..', 'escape.ts'),
    join(repo.root, 'src', 'link-out', 'x.ts'),
    join(repo.root, 'src', 'link-other', 'README.md'),
    join(other.root, 'README.md'),
    join(repo.root, '.git', 'config'),
    `/${'x'.repeat(5000)}/y.ts`,
  ];
  for (const file of outside) {
    const label = file.slice(0, 80);
    const run = edit(B, file);
    assert.deepEqual([run.status, run.stdout, run.stderr], [0, '', ''], `${label}: not ours, left alone`);
    const check = only(repo.cli(['check', file]), label);
    assert.deepEqual([check.status, check.stdout], [0, ''], label);
    assert.match(check.stderr, /^agent-lease check: .*; never leased\n$/, label);
    assertOneLineError(repo.cli(['claim', file]), /^agent-lease claim: .* is outside the worktrees? /, label);
  }
  assertHookCoped(edit(B, join(repo.root, 'src')), 'a directory');
  for (const command of ['claim', 'check']) {
    assertOneLineError(
      repo.cli([command, 'src']),
      new RegExp(`^agent-lease ${command}: src is a directory: name the files in it, or all of them with 'src/\\*\\*'$`),
      `${command} a directory`,
    );
  }
  // `who` lists what is held under a directory (test/cli-who-directory.test.ts).
  assert.equal(repo.cli(['who', 'src']).status, 0, 'who a directory');
});

test('patterns: malformed globs, the whole repository, absolute and outside ones refused in one line; thousands in one claim granted or refused together', (t) => {
  const repo = makeCliRepo();
  t.after(() => repo.cleanup());
  const refused: Array<[string[], RegExp]> = [
    [['src/[abc'], /cannot lease "src\/\[abc": a \[ character class is not closed/],
    [['src/+(a|b).ts'], /extglob/],
    [['!src/**'], /negated/],
    [['src/x\\'], /lone backslash/],
    [['**'], /would lease the whole repository; name a narrower area, or add --force$/],
    [['**/*'], /would lease the whole repository/],
    [['/etc/**'], /\/etc\/\*\* is outside the worktree/],
    [['../sibling/**'], /is outside the worktree/],
    [['src/../../x.ts'], /is outside the worktree/],
    [['.'], /names the repository root/],
    [['a.ts', ''], /pattern names the repository root/],
  ];
  for (const [patterns, problem] of refused) assertOneLineError(repo.cli(['claim', ...patterns]), problem, patterns.join(' '));
  assert.equal(repo.cli(['claim', '**', '--force', '--as', 'bold']).status, 0, '--force takes the whole repository');
  assert.equal(repo.cli(['release', '--all', '--as', 'bold']).status, 0);

  const many = Array.from({ length: 3000 }, (_, i) => `gen/${i % 30}/file-${i}.ts`);
  const granted = repo.json(['claim', ...many, '--json', '--as', 'alice']);
  assert.equal(granted.granted.length, 3000);
  const blocked = repo.cli(['claim', 'free.ts', ...many.slice(1000, 1005), '--as', 'bob']);
  assert.equal(blocked.status, 1);
  assert.match(blocked.stderr, /5 conflict\(s\); nothing was granted/);
  assert.equal(repo.json(['status', '--json']).leases.length, 3000, 'bob got nothing, not even the free pattern');
});

test('an invalid .agent-lease.json: every command exits 2 naming the file and the field; the guard refuses; the hooks warn and use the defaults', (t) => {
  const repo: CliRepo = makeCliRepo();
  t.after(() => repo.cleanup());
  const configs: Array<[string, RegExp]> = [
    ['{"ttl": {"edit": "5m", "colour": "red"}}', /\.agent-lease\.json: ttl: unknown key "colour"$/],
    ['{"ttl": {"edit": true}}', /\.agent-lease\.json: ttl\.edit: /],
    ['{"ignore": "dist/**"}', /\.agent-lease\.json: ignore: /],
    ['{"hooks": {"onStoreError": "sometimes"}}', /\.agent-lease\.json: hooks\.onStoreError: /],
    ['{"retention": "400d"}', /\.agent-lease\.json: retention: expected a duration .* at most 365d, got "400d"$/],
    ['{"ttl": ', /\.agent-lease\.json: not valid JSON \(.*\)$/],
    ['[]', /\.agent-lease\.json: \(top level\): /],
  ];
  repo.write('a.ts');
  repo.git(['add', 'a.ts']);
  const commands = [['status'], ['claim', 'a.ts'], ['release', '--all'], ['renew'], ['who', 'a.ts'], ['check', 'a.ts'], ['log'], ['gc']];
  for (const [n, [text, problem]] of configs.entries()) {
    repo.write('.agent-lease.json', text);
    for (const command of n === 0 ? commands : commands.slice(0, 2)) {
      assertOneLineError(repo.cli(command), new RegExp(`^agent-lease ${command[0]}: ${repo.root}/${problem.source}`), `${command[0]} with ${text}`);
    }
    const hook = runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env: hookEnv(repo.env), cwd: repo.root });
    assertHookCoped(hook, text);
    assert.match(hook.json?.systemMessage ?? '', new RegExp(`${problem.source.replace(/\$$/, '')}.*; using the default settings`), text);
    const guard = repo.cli(['guard']);
    assert.equal(guard.status, 2, `guard with ${text}`);
    assert.match(guard.stderr, new RegExp(`^agent-lease guard: commit refused: ${repo.root}/${problem.source.replace(/\$$/, '')}`), text);
  }
});
