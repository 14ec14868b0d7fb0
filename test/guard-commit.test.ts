// The commit guard as git runs it: real repositories, real worktrees, real `git commit`s through
// the installed pre-commit hook and the compiled binary. Other sessions are real live processes
// holding leases in the repository's own store.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installGuard } from '../lib/guard/install';
import { readEvents } from '../lib/core/events';
import { spawnSync } from 'node:child_process';
import { identify } from '../lib/core/processes';
import { endSession, registerSession } from '../lib/core/sessions';
import { BIN } from './support/cli';
import { makeGuardedRepo, makeGuardRepo, type GuardRepo } from './support/guard';

let repo: GuardRepo;

beforeEach(() => {
  repo = makeGuardedRepo(['src/free.ts', 'src/auth/login.ts']);
});
afterEach(() => repo.cleanup());

const head = (cwd = repo.root): string => repo.git(['rev-parse', 'HEAD'], cwd);

test('a commit touching a file another live session holds is refused, saying who, why, where, how long and what to do', async () => {
  await repo.hold('bob-session', ['src/auth/login.ts'], { name: 'Bob', task: 'refactor auth', worktree: '/work/wt-bob', branch: 'feature-auth' });
  const before = head();
  repo.write('src/auth/login.ts', 'mine\n');
  repo.write('src/free.ts', 'also mine\n');
  repo.git(['add', '.']);

  const refused = repo.commit(['-m', 'touch held file']);
  assert.equal(refused.status, 1);
  assert.equal(head(), before, 'nothing was committed');
  assert.match(refused.stderr, /commit refused: 1 staged file is held by another session/);
  assert.match(refused.stderr, /^ {2}src\/auth\/login\.ts$/m);
  assert.match(
    refused.stderr,
    /^ {4}Bob \(task "refactor auth", worktree \/work\/wt-bob on feature-auth\) holds src\/auth\/login\.ts exclusively \(claim lease, token \d+\), (59m|1h00m) left$/m,
  );
  assert.doesNotMatch(refused.stderr, /src\/free\.ts/, 'only blocked files are listed');
  assert.match(refused.stderr, /agent-lease release --force src\/auth\/login\.ts/);
  assert.match(refused.stderr, /AGENT_LEASE_BYPASS=1 git commit/);

  repo.git(['reset', '-q', 'src/auth/login.ts']);
  const allowed = repo.commit(['-q', '-m', 'free file only']);
  assert.equal(allowed.status, 0, allowed.stderr);
  assert.equal(allowed.stderr, '', 'a commit of files nobody holds passes silently');
});

test('from a linked worktree the guard runs too, finding the binary in the main worktree', async () => {
  const linked = repo.addWorktree('feature');
  assert.equal(existsSync(join(linked, 'node_modules')), false);
  await repo.hold('bob', ['src/auth/**'], { task: 'auth rewrite' });
  repo.write('src/auth/login.ts', 'feature\n', linked);
  repo.write('src/free.ts', 'feature\n', linked);
  repo.git(['add', '.'], linked);

  const refused = repo.commit(['-m', 'held'], { cwd: linked });
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /src\/auth\/login\.ts\n {4}bob .*holds src\/auth\/\*\* exclusively/);

  repo.git(['reset', '-q', 'src/auth/login.ts'], linked);
  const allowed = repo.commit(['-q', '-m', 'free'], { cwd: linked });
  assert.equal(allowed.status, 0, allowed.stderr);
});

test('both sides of a rename count, and so does a deletion', async () => {
  repo.write('src/old-name.ts');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'more']);
  await repo.hold('bob', ['src/old-name.ts', 'src/taken-name.ts']);

  repo.git(['mv', 'src/old-name.ts', 'src/new-name.ts']);
  const renamedAway = repo.commit(['-m', 'rename a held file']);
  assert.equal(renamedAway.status, 1);
  assert.match(renamedAway.stderr, /^ {2}src\/old-name\.ts$/m);
  repo.git(['reset', '-q', '--hard']);

  repo.git(['mv', 'src/free.ts', 'src/taken-name.ts']);
  const renamedOnto = repo.commit(['-m', 'rename onto a held name']);
  assert.equal(renamedOnto.status, 1);
  assert.match(renamedOnto.stderr, /^ {2}src\/taken-name\.ts$/m);
  repo.git(['reset', '-q', '--hard']);

  repo.git(['rm', '-q', 'src/old-name.ts']);
  const deleted = repo.commit(['-m', 'delete a held file']);
  assert.equal(deleted.status, 1);
  assert.match(deleted.stderr, /^ {2}src\/old-name\.ts$/m);
});

test('commit -a and commit <paths> are judged on what they really commit', async () => {
  await repo.hold('bob', ['src/auth/login.ts']);
  repo.write('src/auth/login.ts', 'changed, not staged\n');
  repo.write('src/free.ts', 'staged\n');
  repo.git(['add', 'src/free.ts']);
  assert.equal(repo.commit(['-q', '-m', 'only the staged free file']).status, 0);

  repo.write('src/free.ts', 'again\n');
  const all = repo.commit(['-a', '-m', 'everything tracked']);
  assert.equal(all.status, 1, 'commit -a takes the held file in');
  assert.match(all.stderr, /^ {2}src\/auth\/login\.ts$/m);

  repo.git(['add', 'src/auth/login.ts']);
  const onlyFree = repo.commit(['-q', '-m', 'just the free file', '--', 'src/free.ts']);
  assert.equal(onlyFree.status, 0, `the held file is staged but not part of this commit: ${onlyFree.stderr}`);
  const onlyHeld = repo.commit(['-m', 'just the held file', '--', 'src/auth/login.ts']);
  assert.equal(onlyHeld.status, 1);
});

test('concluding a merge, a held file taken as it is from the merged branch passes; editing it while resolving does not', async () => {
  repo.git(['checkout', '-q', '-b', 'feature']);
  repo.write('src/auth/login.ts', 'feature\n');
  repo.write('src/free.ts', 'feature\n');
  repo.git(['commit', '-q', '--no-verify', '-am', 'feature work']);
  repo.git(['checkout', '-q', 'main']);
  repo.write('src/free.ts', 'main\n');
  repo.git(['commit', '-q', '--no-verify', '-am', 'main work']);
  await repo.hold('bob', ['src/auth/login.ts']);

  assert.throws(() => repo.git(['merge', '-q', 'feature']), 'the merge stops on the conflict in src/free.ts');
  repo.write('src/free.ts', 'resolved\n');
  repo.write('src/auth/login.ts', 'edited while resolving\n');
  repo.git(['add', '.']);
  const edited = repo.commit(['--no-edit']);
  assert.equal(edited.status, 1);
  assert.match(edited.stderr, /^ {2}src\/auth\/login\.ts$/m);

  repo.write('src/auth/login.ts', 'feature\n');
  repo.git(['add', '.']);
  const taken = repo.commit(['-q', '--no-edit']);
  assert.equal(taken.status, 0, taken.stderr);
  assert.equal(repo.git(['log', '-1', '--format=%P']).split(' ').length, 2, 'the merge was committed');
});

test('paths with spaces and non-ASCII characters are matched and shown as they are', async () => {
  await repo.hold('bob', ['docs/my notes.md', 'src/café/**']);
  repo.write('docs/my notes.md');
  repo.write('src/café/ünïcode name.ts');
  repo.git(['add', '.']);
  const refused = repo.commit(['-m', 'unicode']);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /^ {2}docs\/my notes\.md$/m);
  assert.match(refused.stderr, /^ {2}src\/café\/ünïcode name\.ts$/m);
  assert.match(refused.stderr, /agent-lease who 'docs\/my notes\.md'/);
});

test('who commits: AGENT_LEASE_SESSION, else CLAUDE_CODE_SESSION_ID, else the agent session whose process runs the commit, else a person', async () => {
  await repo.hold('alice', ['src/free.ts'], { worktree: repo.root });
  await repo.hold('bob', ['src/auth/login.ts'], { worktree: '/elsewhere' });
  const stage = (file: string): void => {
    repo.write(file, `${Math.random()}\n`);
    repo.git(['add', file]);
  };

  stage('src/free.ts');
  assert.deepEqual(repo.commit(['-q', '-m', 'own lease'], { env: { AGENT_LEASE_SESSION: 'alice' } }), { status: 0, stderr: '', stdout: '' }, 'silently');
  stage('src/free.ts');
  assert.equal(repo.commit(['-q', '-m', 'own lease'], { env: { CLAUDE_CODE_SESSION_ID: 'alice' } }).status, 0);

  // A person committing in the worktree where alice works is not taken for alice.
  stage('src/free.ts');
  const person = repo.commit(['-m', 'a person, not alice']);
  assert.equal(person.status, 1);
  assert.match(
    person.stderr,
    /Committing as carol, a person \(no agent session runs this commit\), so every live lease counts; an agent session sets AGENT_LEASE_SESSION=<id>/,
  );
  assert.match(person.stderr, /^ {4}alice .*holds /m);
  repo.git(['reset', '-q', 'src/free.ts']);

  stage('src/auth/login.ts');
  const asAlice = repo.commit(['-m', 'bob holds it'], { env: { AGENT_LEASE_SESSION: 'alice' } });
  assert.equal(asAlice.status, 1);
  assert.match(
    asAlice.stderr,
    /Committing as session alice \(from AGENT_LEASE_SESSION; if that is not you, unset it or set AGENT_LEASE_SESSION to your own session\)/,
  );
  assert.equal(repo.commit(['-q', '-m', 'bob commits'], { env: { AGENT_LEASE_SESSION: 'bob' } }).status, 0);

  // An agent whose process runs `git commit` (here: this test process) is recognised by ancestry.
  await registerSession(repo.store(), { id: 'agent-here', runtime: 'claude-code', worktree: '/elsewhere', process: identify(process.pid) });
  stage('src/free.ts');
  const byAncestry = repo.commit(['-m', 'alice holds it']);
  assert.equal(byAncestry.status, 1);
  assert.match(byAncestry.stderr, /Committing as session agent-here \(this commit runs under its agent process\)/);
});

test("an agent's refused commit tells it to ask the user, without the bypass; a person's shows it; both are logged as refuse events", async () => {
  await repo.hold('bob', ['src/auth/login.ts']);
  await registerSession(repo.store(), { id: 'agent-a', runtime: 'claude-code', process: identify(process.pid) });
  repo.write('src/auth/login.ts', 'mine\n');
  repo.git(['add', '.']);
  const agent = repo.commit(['-m', 'agent'], { env: { CLAUDE_CODE_SESSION_ID: 'agent-a' } });
  assert.equal(agent.status, 1);
  assert.match(agent.stderr, /tell the user which files are held and by whom, and ask them how to proceed/);
  assert.doesNotMatch(agent.stderr, /--force|AGENT_LEASE_BYPASS|--no-verify/);
  await endSession(repo.store(), 'agent-a');

  const person = repo.commit(['-m', 'person']);
  assert.equal(person.status, 1);
  assert.match(person.stderr, /agent-lease release --force src\/auth\/login\.ts/);
  assert.match(person.stderr, /AGENT_LEASE_BYPASS=1 git commit/);

  const refusals = await readEvents(repo.store(), { kinds: ['refuse'] });
  assert.deepEqual(
    refusals.map((event) => [event.sessionId, event.actor, event.pattern, event.detail]),
    [
      [
        'agent-a',
        null,
        'src/auth/login.ts',
        {
          committer: 'agent-a',
          via: 'CLAUDE_CODE_SESSION_ID',
          files: [{ path: 'src/auth/login.ts', heldBy: [{ session: 'bob', token: 1, pattern: 'src/auth/login.ts' }] }],
        },
      ],
      [
        null,
        'carol',
        'src/auth/login.ts',
        { committer: 'carol', via: 'person', files: [{ path: 'src/auth/login.ts', heldBy: [{ session: 'bob', token: 1, pattern: 'src/auth/login.ts' }] }] },
      ],
    ],
  );
  const log = spawnSync(process.execPath, [BIN, 'log', '--kind', 'refuse'], { cwd: repo.root, env: repo.env, encoding: 'utf8' });
  assert.equal(log.status, 0, log.stderr);
  assert.equal(
    log.stdout
      .trim()
      .split('\n')
      .filter((line) => / refuse /.test(line)).length,
    2,
    log.stdout,
  );
});

test('shared leases, expired leases and leases of dead holders do not block', async () => {
  await repo.hold('sharer', ['src/free.ts'], { mode: 'shared' });
  await repo.hold('brief', ['src/auth/login.ts'], { ttlMs: 1 });
  await repo.hold('gone', ['README.md']);
  const gone = repo.children.at(-1)!;
  await new Promise((resolve) => {
    gone.once('exit', resolve);
    gone.kill('SIGKILL');
  });
  repo.write('src/free.ts', 'x\n');
  repo.write('src/auth/login.ts', 'x\n');
  repo.write('README.md', 'x\n');
  repo.git(['add', '.']);
  const result = repo.commit(['-q', '-m', 'nothing live and exclusive']);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, '');
});

test('AGENT_LEASE_BYPASS=1 lets the commit through and logs the files and the committer', async () => {
  await repo.hold('bob', ['src/auth/login.ts']);
  repo.write('src/auth/login.ts', 'bypassing\n');
  repo.git(['add', '.']);
  const result = repo.commit(['-q', '-m', 'bypass'], { env: { AGENT_LEASE_BYPASS: '1', AGENT_LEASE_SESSION: 'alice' } });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /AGENT_LEASE_BYPASS=1: committing src\/auth\/login\.ts held by other sessions; logged/);
  const [bypass, ...more] = await readEvents(repo.store(), { kinds: ['bypass'] });
  assert.equal(more.length, 0);
  assert.equal(bypass!.sessionId, 'alice');
  assert.deepEqual(bypass!.detail, {
    committer: 'alice',
    via: 'AGENT_LEASE_SESSION',
    files: [{ path: 'src/auth/login.ts', heldBy: [{ session: 'bob', token: 1, pattern: 'src/auth/login.ts' }] }],
  });
});

test('the first commit of a repository is checked too', async () => {
  const fresh = makeGuardRepo({ commit: false });
  try {
    fresh.installBinary();
    installGuard(fresh.root);
    await fresh.hold('bob', ['src/first.ts']);
    fresh.write('src/first.ts');
    fresh.git(['add', '.']);
    const refused = fresh.commit(['-m', 'first']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^ {2}src\/first\.ts$/m);
    assert.equal(fresh.commit(['-q', '-m', 'first'], { env: { AGENT_LEASE_SESSION: 'bob' } }).status, 0);
  } finally {
    fresh.cleanup();
  }
});

test('a repository where agent-lease was never used passes silently and gets no store', () => {
  repo.write('src/auth/login.ts', 'x\n');
  repo.git(['add', '.']);
  const result = repo.commit(['-q', '-m', 'no store']);
  assert.equal(result.status, 0);
  assert.equal(result.stderr, '');
  assert.equal(existsSync(repo.storePath), false);
});

test('an unreadable store refuses the commit, saying what is wrong and how to bypass; guard.onStoreError "warn" lets it through', () => {
  mkdirSync(join(repo.root, '.git', 'agent-lease'), { recursive: true });
  writeFileSync(repo.storePath, 'this is not a SQLite database, it is long enough to have a header of sorts...........');
  repo.write('src/free.ts', 'x\n');
  repo.git(['add', '.']);

  const refused = repo.commit(['-m', 'corrupt store']);
  assert.equal(refused.status, 1, 'the hook fails the commit');
  assert.match(
    refused.stderr,
    /commit refused: cannot read the agent-lease store at .*state\.db: SQLITE_NOTADB: file is not a database \(the file is not a database: agent-lease doctor, then move it aside\)/,
  );
  assert.match(refused.stderr, /To commit anyway: AGENT_LEASE_BYPASS=1 git commit/);
  const agent = repo.commit(['-m', 'corrupt store'], { env: { CLAUDE_CODE_SESSION_ID: 'agent-a' } });
  assert.equal(agent.status, 1);
  assert.match(agent.stderr, /Tell the user the commit could not be checked, and why; do not try to get around it/);
  assert.doesNotMatch(agent.stderr, /AGENT_LEASE_BYPASS|--no-verify|--force/);

  const bypassed = repo.commit(['-q', '-m', 'bypass'], { env: { AGENT_LEASE_BYPASS: '1' } });
  assert.equal(bypassed.status, 0);
  assert.match(bypassed.stderr, /unchecked \(and the bypass could not be logged\)/);

  repo.write('.agent-lease.json', '{ "guard": { "onStoreError": "warn" } }\n');
  repo.write('src/free.ts', 'y\n');
  repo.git(['add', '.']);
  const warned = repo.commit(['-q', '-m', 'warn only']);
  assert.equal(warned.status, 0);
  assert.match(warned.stderr, /warning: cannot read the agent-lease store .*the commit was not checked/);
});

test('an invalid .agent-lease.json refuses the commit with the file and field at fault', async () => {
  await registerSession(repo.store(), { id: 'someone', runtime: 'cli' });
  repo.write('.agent-lease.json', '{ "guard": { "onStoreError": "sometimes" } }\n');
  repo.git(['add', '.']);
  const refused = repo.commit(['-m', 'bad config']);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /commit refused: .*\.agent-lease\.json: guard\.onStoreError/);
});
