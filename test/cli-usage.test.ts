// Every command answers --help, refuses wrong arguments with its usage line and exit 2, and the
// binary knows its version.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCliRepo, type CliRepo } from './support/cli';

/** Commands that work on the repository around the current directory. */
const REPOSITORY_COMMANDS = ['status', 'claim', 'release', 'renew', 'end', 'who', 'check', 'log', 'gc', 'doctor'];
const COMMANDS = [...REPOSITORY_COMMANDS, 'demo'];

/** Arguments each command must refuse, with a word the message must contain. */
const BAD_ARGUMENTS: Array<[string, string[], RegExp]> = [
  ['status', ['extra'], /unexpected argument "extra"/],
  ['status', ['--interval', '2s'], /--interval goes with --watch/],
  ['status', ['--watch', '--interval', 'soon'], /--interval takes a duration/],
  ['claim', [], /name at least one path or glob/],
  ['claim', ['a.ts', '--ttl', '45'], /--ttl takes a duration like 90s, 45m or 2h, not "45"/],
  ['claim', ['a.ts', '--ttl', '0s'], /--ttl takes a duration/],
  ['claim', ['a.ts', '--ttl', '999999999999d'], /--ttl takes a duration like 90s, 45m or 2h, not "999999999999d" \(at most 365d\)/],
  ['claim', ['a.ts', '--task'], /argument missing/],
  ['claim', ['a.ts', '--session', 'x', '--as', 'y'], /give --session or --as, not both/],
  ['claim', ['/elsewhere/a.ts'], /outside the worktree/],
  ['claim', ['../outside.ts'], /outside the worktree/],
  ['claim', ['.'], /names the repository root/],
  ['release', [], /name the patterns to release, or give --all/],
  ['release', ['a.ts', '--all'], /patterns or --all, not both/],
  ['renew', ['--ttl', 'forever'], /--ttl takes a duration/],
  ['who', [], /name at least one path/],
  ['check', [], /name at least one path/],
  ['log', ['--since', 'yesterday'], /--since takes a duration/],
  ['log', ['--kind', 'nonsense'], /unknown event kind "nonsense"/],
  ['log', ['extra'], /unexpected argument/],
  ['gc', ['--retention', '7'], /--retention takes a duration/],
  ['gc', ['extra'], /unexpected argument/],
  ['doctor', ['extra'], /unexpected argument/],
  ['demo', ['extra'], /unexpected argument/],
];

describe('command-line usage', () => {
  let repo: CliRepo;
  before(() => {
    repo = makeCliRepo();
  });
  after(() => repo.cleanup());

  for (const name of COMMANDS) {
    it(`${name} --help prints its usage and options and exits 0`, () => {
      const result = repo.cli([name, '--help']);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^usage: agent-lease ${name}\\b`));
      assert.match(result.stdout, /\n {2}--/, 'lists its options');
      assert.equal(result.stderr, '');
      assert.equal(repo.cli([name, '-h']).stdout, result.stdout);
    });

    it(`${name} refuses an unknown flag with its usage line and exit 2`, () => {
      const result = repo.cli([name, '--no-such-flag']);
      assert.equal(result.status, 2);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, new RegExp(`^agent-lease ${name}: Unknown option '--no-such-flag'\\nusage: agent-lease ${name} .*\\n$`));
    });
  }

  for (const [name, args, message] of BAD_ARGUMENTS) {
    it(`${name} ${args.join(' ') || '(no arguments)'}: exit 2 with "${message.source}"`, () => {
      const result = repo.cli([name, ...args]);
      assert.equal(result.status, 2, `${result.stdout}\n${result.stderr}`);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('usage errors quote the usage line, not the whole help', () => {
    const result = repo.cli(['claim']);
    assert.deepEqual(result.stderr.trimEnd().split('\n'), [
      'agent-lease claim: name at least one path or glob to claim',
      'usage: agent-lease claim <pattern...> [--task TEXT] [--ttl 45m] [--shared] [--partial] [--force] [--glob] [--json]',
    ]);
  });

  it('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const result = repo.cli([flag]);
      assert.equal(result.status, 0);
      assert.equal(result.stdout, `${version}\n`);
    }
  });

  it('--help lists every command; no command at all is a usage error', () => {
    const help = repo.cli(['--help']);
    assert.equal(help.status, 0);
    for (const name of [...COMMANDS, 'init', 'uninstall', 'guard']) assert.match(help.stdout, new RegExp(`^ {2}${name} `, 'm'));
    const bare = repo.cli([]);
    assert.equal(bare.status, 2);
    assert.match(bare.stdout, /^usage: agent-lease <command>/);
  });

  it('an unknown command is a usage error naming it', () => {
    const result = repo.cli(['frobnicate']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown command "frobnicate"; run "agent-lease --help"/);
  });

  it('outside a git repository every command says so in one line and exits 2', () => {
    for (const name of REPOSITORY_COMMANDS) {
      const args = name === 'claim' || name === 'who' || name === 'check' || name === 'end' ? [name, 'a.ts'] : name === 'release' ? [name, '--all'] : [name];
      const result = repo.cli(args, { cwd: repo.base });
      assert.equal(result.status, 2, name);
      assert.equal(result.stderr, `agent-lease ${name}: not inside a git worktree: ${repo.base}\n`);
    }
  });
});
