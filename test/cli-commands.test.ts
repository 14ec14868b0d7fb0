// The lease commands run as processes against real repositories: output (table and --json),
// exit codes, identity, paths relative to the current directory, several worktrees.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { claimFromCrashedAgent, makeCliRepo, type CliRepo } from './support/cli';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let repo: CliRepo;
beforeEach(() => {
  repo = makeCliRepo();
});
afterEach(() => repo.cleanup());

describe('claim', () => {
  it('grants paths and globs, and status shows them as a table and as JSON', () => {
    const claim = repo.cli(['claim', 'src/a.ts', 'src/lib/**', '--task', 'auth refactor', '--ttl', '45m']);
    assert.equal(claim.status, 0, claim.stderr);
    assert.equal(claim.stdout, 'granted src/a.ts (exclusive, 45m, token 1)\ngranted src/lib/** (exclusive, 45m, token 2)\n');

    const table = repo.cli(['status']);
    assert.equal(table.status, 0);
    assert.doesNotMatch(table.stdout, /\u001b\[/, 'no colour when stdout is not a terminal');
    const lines = table.stdout.split('\n');
    assert.equal(lines[0], 'Sessions (1)');
    assert.match(lines[1]!, /^NAME\s+RUNTIME\s+WORKTREE\s+BRANCH\s+ALIVE\s+LAST SEEN$/);
    assert.match(lines[2]!, /^tester\s+cli\s+~\/repo\s+main\s+yes\s+\d+s ago$/);
    assert.equal(lines[4], 'Leases (2)');
    assert.match(lines[5]!, /^PATTERN\s+MODE\s+HOLDER\s+TASK\s+SOURCE\s+TIME LEFT$/);
    assert.match(lines[6]!, /^src\/a\.ts\s+exclusive\s+tester\s+auth refactor\s+claim\s+4[45]m$/);
    assert.match(lines[7]!, /^src\/lib\/\*\*\s+exclusive\s+tester\s+auth refactor\s+claim\s+4[45]m$/);

    const status = repo.json(['status', '--json']);
    assert.deepEqual(Object.keys(status), ['sessions', 'leases', 'store']);
    const [session] = status.sessions;
    for (const key of ['id', 'name', 'worktree', 'branch', 'pid', 'alive', 'lastSeenAt']) assert.ok(key in session, key);
    assert.equal(session.id, 'tester');
    assert.equal(session.worktree, repo.root);
    assert.equal(session.branch, 'main');
    assert.equal(session.pid, null);
    assert.equal(session.alive, true);
    assert.match(session.lastSeenAt, ISO);
    const [lease] = status.leases;
    for (const key of ['token', 'pattern', 'mode', 'sessionId', 'task', 'source', 'acquiredAt', 'expiresAt']) assert.ok(key in lease, key);
    assert.equal(lease.token, 1);
    assert.equal(lease.sessionId, 'tester');
    assert.equal(lease.source, 'claim');
    assert.match(lease.acquiredAt, ISO);
    assert.equal(Date.parse(lease.expiresAt) - Date.parse(lease.acquiredAt), 45 * 60_000);
  });

  it('on a conflict exits 1, lists holder, task, worktree and branch, and grants nothing', () => {
    const other = repo.addWorktree('feature');
    assert.equal(repo.cli(['claim', 'src/**', '--task', 'rewrite', '--as', 'alice'], { cwd: other }).status, 0);
    const claim = repo.cli(['claim', 'README.md', 'src/a.ts', '--as', 'bob']);
    assert.equal(claim.status, 1);
    assert.match(
      claim.stdout,
      new RegExp(
        `^conflict src/a\\.ts: alice \\(task "rewrite", worktree ${other} on feature\\) holds src/\\*\\* exclusively \\(claim lease, token 1\\), (59m|1h00m) left\\n$`,
      ),
    );
    assert.match(claim.stderr, /nothing was granted/);
    assert.deepEqual(
      repo.json(['status', '--json']).leases.map((lease: { pattern: string }) => lease.pattern),
      ['src/**'],
    );
  });

  it('--partial grants the free patterns and still exits 1; --json reports both', () => {
    repo.cli(['claim', 'src/a.ts', '--as', 'alice']);
    const result = repo.cli(['claim', 'src/a.ts', 'src/b.ts', '--partial', '--json', '--as', 'bob']);
    assert.equal(result.status, 1);
    const answer = JSON.parse(result.stdout);
    assert.equal(answer.ok, false);
    assert.equal(answer.session, 'bob');
    assert.deepEqual(
      answer.granted.map((lease: { pattern: string }) => lease.pattern),
      ['src/b.ts'],
    );
    assert.equal(answer.conflicts.length, 1);
    assert.equal(answer.conflicts[0].pattern, 'src/a.ts');
    assert.equal(answer.conflicts[0].held.sessionId, 'alice');
    assert.equal(answer.conflicts[0].held.branch, 'main');
    assert.match(answer.conflicts[0].held.description, /^alice \(worktree .* on main\) holds src\/a\.ts exclusively/);
    assert.match(result.stderr, /1 conflict\(s\); the free patterns were granted/);

    const none = repo.cli(['claim', 'src/a.ts', '--partial', '--as', 'carol']);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /1 conflict\(s\); nothing was free, so nothing was granted$/m);
    assert.doesNotMatch(none.stderr, /free patterns were granted/);
  });

  it('shared leases coexist; an exclusive one does not', () => {
    assert.equal(repo.cli(['claim', 'docs/**', '--shared', '--as', 'alice']).status, 0);
    assert.equal(repo.cli(['claim', 'docs/guide.md', '--shared', '--as', 'bob']).status, 0);
    assert.equal(repo.cli(['claim', 'docs/guide.md', '--as', 'carol']).status, 1);
    assert.deepEqual(
      repo.json(['status', '--json']).leases.map((lease: { mode: string }) => lease.mode),
      ['shared', 'shared'],
    );
  });

  it('claiming again renews; a glob over the whole repository needs --force', () => {
    repo.cli(['claim', 'a.ts', '--ttl', '10m']);
    const again = repo.cli(['claim', 'a.ts', '--ttl', '2h']);
    assert.equal(again.status, 0);
    assert.match(again.stdout, /^renewed a\.ts \(exclusive, (1h59m|2h00m), token 1\)$/m);
    const everything = repo.cli(['claim', '**']);
    assert.equal(everything.status, 2);
    assert.match(everything.stderr, /would lease the whole repository/);
    assert.equal(repo.cli(['claim', '**', '--force', '--as', 'bold']).status, 1, 'conflicts with a.ts');
  });

  it('takes patterns relative to the current directory, like git, and absolute paths in any worktree', () => {
    mkdirSync(join(repo.root, 'src', 'lib'), { recursive: true });
    const other = repo.addWorktree('feature');
    const result = repo.json(['claim', 'a.ts', 'lib/*.ts', '../README.md', join(other, 'docs', 'x.md'), `${repo.root}/test/**`, '--json'], {
      cwd: join(repo.root, 'src'),
    });
    assert.deepEqual(
      result.granted.map((lease: { pattern: string }) => lease.pattern),
      ['src/a.ts', 'src/lib/*.ts', 'README.md', 'docs/x.md', 'test/**'],
    );
  });
});

describe('identity', () => {
  const whoClaims = (env: NodeJS.ProcessEnv, extra: string[] = []): { session: string; runtime: string } => {
    const path = `f${Math.random().toString(36).slice(2)}.ts`;
    const claim = repo.json(['claim', path, '--json', ...extra], { env });
    const session = repo.json(['status', '--json']).sessions.find((s: { id: string }) => s.id === claim.session);
    return { session: claim.session, runtime: session.runtime };
  };

  it('--session, then AGENT_LEASE_SESSION, then CLAUDE_CODE_SESSION_ID, then the user name; --as names a person', () => {
    const env = { AGENT_LEASE_SESSION: 'from-env', CLAUDE_CODE_SESSION_ID: 'claude-1' };
    assert.deepEqual(whoClaims(env, ['--session', 'explicit']), { session: 'explicit', runtime: 'cli' });
    assert.deepEqual(whoClaims(env), { session: 'from-env', runtime: 'cli' });
    assert.deepEqual(whoClaims({ CLAUDE_CODE_SESSION_ID: 'claude-1' }), { session: 'claude-1', runtime: 'claude-code' });
    assert.deepEqual(whoClaims({ CLAUDE_CODE_SESSION_ID: 'claude-1' }, ['--as', 'dana']), { session: 'dana', runtime: 'cli' });
    assert.deepEqual(whoClaims({}), { session: 'tester', runtime: 'cli' });
    assert.deepEqual(whoClaims({ USER: '', LOGNAME: 'logname-user' }), { session: 'logname-user', runtime: 'cli' });
  });

  it("a Claude Code session's leases die with its agent process; a person's do not", () => {
    claimFromCrashedAgent('gone.ts', { cwd: repo.root, env: repo.env });
    repo.cli(['claim', 'kept.ts', '--as', 'person']);
    const status = repo.json(['status', '--json']);
    assert.equal(status.sessions.find((s: { id: string }) => s.id === 'crashed-agent').alive, false);
    assert.deepEqual(
      status.leases.map((lease: { pattern: string }) => lease.pattern),
      ['kept.ts'],
    );
    assert.equal(repo.cli(['claim', 'gone.ts', '--as', 'next']).status, 0, 'a dead holder does not block');
  });
});

describe('release', () => {
  it('releases named leases and --all; others need --force, which is logged', () => {
    repo.cli(['claim', 'a.ts', 'b.ts', 'c.ts']);
    repo.cli(['claim', 'theirs.ts', '--as', 'alice']);
    const one = repo.cli(['release', 'a.ts']);
    assert.equal(one.status, 0);
    assert.equal(one.stdout, 'released a.ts (token 1)\n');

    const refused = repo.cli(['release', 'theirs.ts']);
    assert.equal(refused.status, 1);
    assert.match(refused.stdout, /^not released theirs\.ts: alice .* holds theirs\.ts exclusively/);
    assert.match(refused.stderr, /add --force/);

    const forced = repo.cli(['release', 'theirs.ts', '--force']);
    assert.equal(forced.status, 0);
    assert.equal(forced.stdout, 'released theirs.ts (token 4, held by alice)\n');
    const [event] = repo.json(['log', '--kind', 'force-release', '--json']);
    assert.equal(event.sessionId, 'alice');
    assert.equal(event.actor, 'tester');

    const all = repo.json(['release', '--all', '--json']);
    assert.deepEqual(
      all.released.map((lease: { pattern: string }) => lease.pattern),
      ['b.ts', 'c.ts'],
    );
    assert.deepEqual(repo.json(['status', '--json']).leases, []);
  });

  it('releasing what is not held says so and still exits 0', () => {
    const result = repo.cli(['release', 'nothing.ts']);
    assert.equal(result.status, 0);
    assert.equal(result.stderr, 'agent-lease release: no live lease on nothing.ts\n');
    assert.equal(repo.cli(['release', '--all']).stderr, 'agent-lease release: tester holds no leases\n');
  });
});

describe('renew', () => {
  it('extends every lease by --ttl, or by the configured TTL of its source', () => {
    writeFileSync(join(repo.root, '.agent-lease.json'), JSON.stringify({ ttl: { claim: '3h' } }));
    repo.cli(['claim', 'a.ts', 'b.ts', '--ttl', '10m']);
    const before = Date.now();
    const byFlag = repo.json(['renew', 'a.ts', '--ttl', '2h', '--json']);
    assert.deepEqual(
      byFlag.renewed.map((lease: { pattern: string }) => lease.pattern),
      ['a.ts'],
    );
    assert.ok(Date.parse(byFlag.renewed[0].expiresAt) >= before + 2 * 3_600_000);
    const byConfig = repo.json(['renew', '--json']);
    assert.deepEqual(
      byConfig.renewed.map((lease: { pattern: string }) => lease.pattern),
      ['a.ts', 'b.ts'],
    );
    for (const lease of byConfig.renewed) assert.ok(Date.parse(lease.expiresAt) >= before + 3 * 3_600_000);
    const text = repo.cli(['renew', 'b.ts']);
    assert.match(text.stdout, /^renewed b\.ts \((2h59m|3h00m) left, token 2\)\n$/);
  });

  it('exits 1 for a pattern that is not a live lease of yours', () => {
    repo.cli(['claim', 'theirs.ts', '--as', 'alice']);
    const missing = repo.cli(['renew', 'mine.ts']);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, 'agent-lease renew: tester holds no live lease on mine.ts\n');
    const theirs = repo.cli(['renew', 'theirs.ts']);
    assert.equal(theirs.status, 1);
    assert.match(theirs.stdout, /^not renewed theirs\.ts: alice/);
  });
});

describe('who and check', () => {
  it('who lists the holders of each path, free ones too', () => {
    repo.cli(['claim', 'src/**', '--task', 'rewrite', '--as', 'alice']);
    repo.cli(['claim', 'docs/a.md', '--shared', '--as', 'bob']);
    const result = repo.cli(['who', 'src/x/y.ts', 'docs/a.md', 'free.ts']);
    assert.equal(result.status, 0);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^PATH\s+HOLDER\s+PATTERN\s+MODE\s+TASK\s+TIME LEFT$/);
    assert.match(lines[1]!, /^src\/x\/y\.ts\s+alice\s+src\/\*\*\s+exclusive\s+rewrite\s+(59m|1h00m)$/);
    assert.match(lines[2]!, /^docs\/a\.md\s+bob\s+docs\/a\.md\s+shared\s+-\s+(59m|1h00m)$/);
    assert.match(lines[3]!, /^free\.ts\s+\(free\)$/);
    const json = repo.json(['who', 'src/x/y.ts', '--json']);
    assert.equal(json[0].path, 'src/x/y.ts');
    assert.equal(json[0].holders[0].holder, 'alice');
    assert.equal(json[0].holders[0].pattern, 'src/**');
  });

  it("check exits 1 only for another session's lease, also for a file in another worktree", () => {
    const other = repo.addWorktree('feature');
    repo.cli(['claim', 'src/**', '--as', 'alice'], { cwd: other });
    const held = repo.cli(['check', 'src/a.ts', 'free.ts']);
    assert.equal(held.status, 1);
    assert.match(held.stdout, /^src\/a\.ts: alice \(worktree .* on feature\) holds src\/\*\* exclusively .*\n$/);
    assert.equal(repo.cli(['check', 'free.ts']).stdout, '');
    assert.equal(repo.cli(['check', 'free.ts']).status, 0);
    assert.equal(repo.cli(['check', 'src/a.ts', '--as', 'alice']).status, 0, 'own leases do not count');
    assert.equal(repo.cli(['check', 'src/a.ts'], { env: { AGENT_LEASE_SESSION: 'alice' } }).status, 0);
    assert.equal(repo.cli(['check', join(other, 'src', 'a.ts')]).status, 1, 'absolute path into another worktree');
    const json = repo.json(['check', 'src/a.ts', 'free.ts', '--json']);
    assert.equal(json.ok, false);
    assert.equal(json.session, 'tester');
    assert.deepEqual(
      json.paths.map((path: { path: string; holders: unknown[] }) => [path.path, path.holders.length]),
      [
        ['src/a.ts', 1],
        ['free.ts', 0],
      ],
    );
  });

  it('paths outside the repository are named on stderr and never held', () => {
    const result = repo.cli(['check', '/etc/hostname']);
    assert.equal(result.status, 0);
    assert.match(result.stderr, /^agent-lease check: \/etc\/hostname is not inside a git worktree; never leased\n$/);
  });
});

describe('status, log and gc', () => {
  it('status and who never create the store', () => {
    const store = join(repo.root, '.git', 'agent-lease', 'state.db');
    assert.equal(repo.cli(['status']).stdout, `No sessions.\n\nNo live leases.\n\nStore: SQLite ${store}\n`);
    assert.deepEqual(repo.json(['status', '--json']), { sessions: [], leases: [], store: { engine: 'sqlite', store, chosenBy: 'default' } });
    repo.cli(['who', 'a.ts']);
    repo.cli(['check', 'a.ts']);
    repo.cli(['log']);
    assert.equal(existsSync(join(repo.root, '.git', 'agent-lease')), false);
  });

  it('status --all shows ended sessions and released leases', () => {
    repo.cli(['claim', 'a.ts', 'b.ts']);
    repo.cli(['release', 'a.ts']);
    const live = repo.json(['status', '--json']);
    assert.deepEqual(
      live.leases.map((lease: { pattern: string }) => lease.pattern),
      ['b.ts'],
    );
    const all = repo.json(['status', '--json', '--all']);
    assert.deepEqual(
      all.leases.map((lease: { pattern: string; state: string }) => [lease.pattern, lease.state]),
      [
        ['a.ts', 'released'],
        ['b.ts', 'live'],
      ],
    );
    assert.match(repo.cli(['status', '--all']).stdout, /^a\.ts\s+exclusive\s+tester\s+-\s+claim\s+released$/m);
  });

  it('log shows grants, denials and releases; --session, --kind, --since and --json filter', () => {
    repo.cli(['claim', 'a.ts', '--as', 'alice']);
    repo.cli(['claim', 'a.ts', '--as', 'bob']);
    repo.cli(['release', 'a.ts', '--as', 'alice']);
    const table = repo.cli(['log']);
    assert.equal(table.status, 0);
    assert.match(table.stdout, /^TIME\s+EVENT\s+SESSION\s+PATTERN\s+DETAIL$/m);
    assert.match(table.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+grant\s+alice\s+a\.ts\s+token=1 mode=exclusive source=claim expiresAt=/m);
    assert.match(table.stdout, /^\S+ \S+\s+deny\s+bob\s+a\.ts\s+mode=exclusive source=claim heldBy=alice:a\.ts$/m);
    assert.match(table.stdout, /^\S+ \S+\s+release\s+alice\s+a\.ts\s+token=1 reason=released$/m);
    const bob = repo.json(['log', '--session', 'bob', '--json']);
    assert.deepEqual(
      bob.map((event: { kind: string }) => event.kind),
      ['session-start', 'deny'],
    );
    assert.match(bob[0].at, ISO);
    assert.deepEqual(
      repo.json(['log', '--kind', 'grant', '--kind', 'release', '--json']).map((event: { kind: string }) => event.kind),
      ['grant', 'release'],
    );
    assert.equal(repo.json(['log', '--since', '1h', '--json']).length, repo.json(['log', '--json']).length);
  });

  it('gc ends sessions whose process is gone, releases their leases and drops old history', () => {
    claimFromCrashedAgent('gone.ts', { cwd: repo.root, env: repo.env });
    repo.cli(['claim', 'kept.ts']);
    const result = repo.json(['gc', '--json']);
    assert.deepEqual(result.endedSessions, ['crashed-agent']);
    assert.equal(result.deletedLeases, 0);
    const all = repo.json(['status', '--all', '--json']);
    assert.ok(all.sessions.find((s: { id: string }) => s.id === 'crashed-agent').endedAt);
    assert.equal(all.leases.find((lease: { pattern: string }) => lease.pattern === 'gone.ts').releaseReason, 'process-gone');
    const purge = repo.cli(['gc', '--retention', '1ms']);
    assert.equal(purge.status, 0);
    assert.match(
      purge.stdout,
      /^ended 0 session\(s\) whose process is gone\nended 0 idle session\(s\) of people holding nothing\nreleased 0 expired or orphaned lease\(s\)\ndeleted 1 lease\(s\), 1 session\(s\) and \d+ event\(s\) older than 0s\n$/,
    );
    assert.deepEqual(
      repo.json(['status', '--all', '--json']).leases.map((lease: { pattern: string }) => lease.pattern),
      ['kept.ts'],
    );
  });
});
