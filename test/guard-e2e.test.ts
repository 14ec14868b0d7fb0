// The commit guard end to end through the compiled commands (`agent-lease init`, `uninstall`,
// `doctor`, `log`, `hook session-start`) and git itself: real repositories, real `git worktree
// add`, real `git commit`s, and other sessions that are real live processes holding leases.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { listLeases } from '../lib/core/lease-queries';
import { runCli, withoutIdentity, type CliResult } from './support/cli';
import { makeGuardRepo, setUpHusky, type GuardRepo } from './support/guard';
import { fixture, hookEnv, runHook, type HookRun } from './support/hooks';

/** The Claude Code session that commits; Bob's session holds the file. */
const SESSION = '5e6f7a8b-2222-4c3d-8e9f-1a2b3c4d5e6f';
const HELD = 'src/held.ts';
const REPAIRED = 'agent-lease: the commit guard was not active in this worktree and has been repaired';

function guardRepo(t: TestContext): GuardRepo {
  const repo = makeGuardRepo();
  t.after(() => repo.cleanup());
  repo.write(HELD, 'export const held = 1;\n');
  return repo;
}

function agentLease(repo: GuardRepo, args: string[], cwd = repo.root): CliResult {
  return runCli(args, { cwd, env: withoutIdentity(repo.env) });
}

/** Bob's session, working in a worktree of its own, holds src/held.ts. */
async function holdAsBob(repo: GuardRepo): Promise<void> {
  await repo.hold('bob', [HELD], { name: 'Bob', task: 'rework held', worktree: join(repo.base, 'wt-bob'), branch: 'feature-bob' });
}

/**
 * A husky project as a team has it: husky ran in the main worktree, `agent-lease init` put the
 * guard into .husky/pre-commit and that was committed with the hooks; Bob holds src/held.ts.
 */
async function huskyProjectWithGuard(t: TestContext): Promise<GuardRepo> {
  const repo = guardRepo(t);
  setUpHusky(repo);
  repo.installBinary();
  const init = agentLease(repo, ['init']);
  assert.equal(init.status, 0, init.stderr);
  assert.match(
    init.stdout,
    /^installed the commit guard: it runs from \.husky\/pre-commit, pre-merge-commit, pre-applypatch, prepare-commit-msg, through husky's \.husky\/_$/m,
  );
  assert.match(
    init.stdout,
    /^Commit \.claude\/settings\.json, \.claude\/hooks\/agent-lease\.sh, \.husky\/pre-commit, \.husky\/pre-merge-commit, \.husky\/pre-applypatch, \.husky\/prepare-commit-msg so that every worktree/m,
  );
  repo.git(['add', '.claude', '.husky']);
  repo.git(['commit', '-q', '-m', 'agent-lease hooks and guard']);
  await holdAsBob(repo);
  return repo;
}

/** Changes the held file in `cwd` and commits it; a refused change is unstaged again. */
function commitHeld(repo: GuardRepo, cwd: string, env: NodeJS.ProcessEnv = {}): { status: number | null; stderr: string } {
  repo.write(HELD, `export const held = ${Math.random()};\n`, cwd);
  repo.git(['add', HELD], cwd);
  const before = repo.git(['rev-parse', 'HEAD'], cwd);
  const result = repo.commit(['-q', '-m', `change ${HELD}`], { cwd, env });
  const committed = repo.git(['rev-parse', 'HEAD'], cwd) !== before;
  assert.equal(committed, result.status === 0, `git commit exited ${result.status} but HEAD ${committed ? 'moved' : 'did not move'}`);
  if (!committed) repo.git(['checkout', '-q', 'HEAD', '--', HELD], cwd);
  return result;
}

/** What Claude Code does when a session starts in `worktree`. */
function startSession(repo: GuardRepo, worktree: string): HookRun {
  return runHook('session-start', fixture('session-start.startup', worktree, SESSION), { env: hookEnv(repo.env), cwd: worktree });
}

test('husky: a fresh worktree commits a held file unguarded until its session start repairs it; then the commit is refused, naming the holder', async (t) => {
  const repo = await huskyProjectWithGuard(t);
  const linked = repo.addWorktree('feature');
  assert.equal(existsSync(join(linked, '.husky', '_')), false, 'husky never ran in the new worktree');
  assert.match(readFileSync(join(linked, '.husky', 'pre-commit'), 'utf8'), /# agent-lease guard: begin/, 'the branch carries the guard');

  const hole = commitHeld(repo, linked, { AGENT_LEASE_SESSION: SESSION });
  assert.equal(hole.status, 0, 'the hole: git finds no hook at all in this worktree');
  assert.equal(hole.stderr, '', "not even the user's husky hook ran");

  const start = startSession(repo, linked);
  assert.equal(start.status, 0, start.stderr);
  assert.equal(start.json?.systemMessage, REPAIRED);
  assert.match(start.json?.hookSpecificOutput?.additionalContext ?? '', /^- Bob \(task "rework held", .*\) holds src\/held\.ts exclusively/m);
  assert.ok(existsSync(join(linked, '.husky', '_', 'h')), "husky's own setup ran in the worktree");

  const refused = commitHeld(repo, linked, { AGENT_LEASE_SESSION: SESSION });
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /^user hook ran\n/, "the user's husky hook runs again, before the guard");
  assert.match(refused.stderr, /agent-lease guard: commit refused: 1 staged file is held by another session\.\n {2}src\/held\.ts\n/);
  assert.match(
    refused.stderr,
    new RegExp(
      `^ {4}Bob \\(task "rework held", worktree ${join(repo.base, 'wt-bob')} on feature-bob\\) holds src/held\\.ts exclusively \\(claim lease, token \\d+\\), (59m|1h00m) left$`,
      'm',
    ),
  );
  assert.match(
    refused.stderr,
    new RegExp(
      `^Committing as ${SESSION.slice(0, 8)}, session ${SESSION} \\(from AGENT_LEASE_SESSION; if that is not you, unset it or set AGENT_LEASE_SESSION to your own session\\)\\.$`,
      'm',
    ),
  );
  assert.equal(repo.git(['status', '--porcelain'], linked), '', 'the repair touched no tracked file');
  assert.equal(startSession(repo, linked).json?.systemMessage, undefined, 'nothing to repair at the next start');
});

test('husky: doctor names the fresh worktree whose commits would not run the guard; doctor --fix repairs it and every worktree refuses a held file', async (t) => {
  const repo = await huskyProjectWithGuard(t);
  const started = repo.addWorktree('started');
  assert.equal(startSession(repo, started).json?.systemMessage, REPAIRED);
  const fresh = repo.addWorktree('fresh');

  const report = agentLease(repo, ['doctor']);
  assert.equal(report.status, 1, report.stdout);
  const failures = report.stdout.split('\n').filter((line) => line.startsWith('fail'));
  assert.equal(failures.length, 1, report.stdout);
  assert.match(
    failures[0]!,
    new RegExp(`^fail\\s+guard\\s+${fresh} \\(fresh\\): \\.husky/_ does not exist in this worktree \\(husky never ran here\\), so git runs no hook at all$`),
  );
  for (const [worktree, branch] of [
    [repo.root, 'main'],
    [started, 'started'],
  ]) {
    assert.match(report.stdout, new RegExp(`^ok\\s+guard\\s+${worktree} \\(${branch}\\): the commit guard runs \\(husky\\), with \\S+$`, 'm'));
  }
  assert.equal(commitHeld(repo, fresh).status, 0, 'doctor alone changed nothing');

  const fixed = agentLease(repo, ['doctor', '--fix']);
  assert.equal(fixed.status, 0, fixed.stdout);
  assert.match(
    fixed.stdout,
    new RegExp(`^ok\\s+guard\\s+${fresh} \\(fresh\\): the commit guard runs \\(husky\\), with \\S+\\n\\s+fixed: changed ${fresh}/\\.husky/_$`, 'm'),
  );

  for (const worktree of [repo.root, started, fresh]) {
    const refused = commitHeld(repo, worktree);
    assert.equal(refused.status, 1, `a commit in ${worktree} was not refused`);
    assert.match(refused.stderr, /^ {4}Bob \(task "rework held", .*\) holds src\/held\.ts exclusively/m);
  }
  assert.equal(agentLease(repo, ['doctor']).status, 0);
});

interface InstallState {
  files: Record<string, string>;
  localConfig: string;
  status: string;
}

/** Every file and directory under `dir` with its mode, and each file's bytes (base64). */
function tree(dir: string, into: Record<string, string> = {}, top = dir): Record<string, string> {
  if (!existsSync(dir)) return into;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = lstatSync(path);
    into[relative(top, path)] = `${stat.mode.toString(8)} ${stat.isFile() ? readFileSync(path).toString('base64') : ''}`;
    if (stat.isDirectory()) tree(path, into, top);
  }
  return into;
}

/** Everything `init` could change: .husky/, .git/hooks/, .claude/, the repository's git config, the worktree status. */
function installState(repo: GuardRepo): InstallState {
  const files: Record<string, string> = {};
  for (const dir of ['.husky', '.git/hooks', '.claude']) {
    for (const [path, entry] of Object.entries(tree(join(repo.root, dir)))) files[`${dir}/${path}`] = entry;
  }
  return { files, localConfig: repo.git(['config', '--list', '--local']), status: repo.git(['status', '--porcelain']) };
}

/** Commits a change to a file nobody holds. */
function commitFree(repo: GuardRepo): { status: number | null; stderr: string } {
  repo.write('src/free.ts', `export const free = ${Math.random()};\n`);
  repo.git(['add', 'src/free.ts']);
  return repo.commit(['-q', '-m', 'free']);
}

const linesOf = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

/**
 * `init --dry-run`, `init`, `uninstall --dry-run`, then `whileInstalled`, then `uninstall`: the dry
 * runs write nothing, and `uninstall` leaves everything `init` could change exactly as it was.
 */
function initThenUninstall(repo: GuardRepo, expected: { guardFrom: string; statusInstalled: string }, whileInstalled: () => void): void {
  const before = installState(repo);
  const dry = agentLease(repo, ['init', '--dry-run']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /^would change \.claude\/settings\.json:\n/);
  assert.ok(dry.stdout.includes(`\nwould install the commit guard: it runs from ${expected.guardFrom}`), dry.stdout);
  assert.deepEqual(installState(repo), before, 'init --dry-run wrote nothing');

  const init = agentLease(repo, ['init']);
  assert.equal(init.status, 0, init.stderr);
  assert.equal(repo.git(['status', '--porcelain']), expected.statusInstalled);
  const installed = installState(repo);
  assert.equal(agentLease(repo, ['uninstall', '--dry-run']).status, 0);
  assert.deepEqual(installState(repo), installed, 'uninstall --dry-run wrote nothing');

  whileInstalled();

  const uninstall = agentLease(repo, ['uninstall']);
  assert.equal(uninstall.status, 0, uninstall.stderr);
  assert.match(uninstall.stdout, /\nremoved the commit guard \(.+\)\nleft in place \(remove by hand what you want gone\):\n/);
  assert.deepEqual(installState(repo), before, 'uninstall restored everything init changed, byte for byte');
}

test("init and uninstall in a husky project: the user's .husky/pre-commit keeps running with the guard, and uninstall leaves every byte as it was", async (t) => {
  const repo = guardRepo(t);
  const userLog = join(repo.base, 'user-hook.log');
  repo.write('.claude/settings.json', `${JSON.stringify({ permissions: { allow: ['Bash(npm test)'] }, model: 'opus' }, null, 2)}\n`);
  setUpHusky(repo, `echo "husky pre-commit" >> "${userLog}"\necho "lint ok"`);
  repo.installBinary();
  await holdAsBob(repo);
  assert.deepEqual(linesOf(userLog), ['husky pre-commit'], 'the commit of the husky setup ran the hook');

  initThenUninstall(
    repo,
    {
      guardFrom: '.husky/pre-commit, pre-merge-commit, pre-applypatch, prepare-commit-msg, through',
      statusInstalled:
        'M .claude/settings.json\n M .husky/pre-commit\n?? .claude/hooks/\n?? .husky/pre-applypatch\n?? .husky/pre-merge-commit\n?? .husky/prepare-commit-msg',
    },
    () => {
      const free = commitFree(repo);
      assert.equal(free.status, 0, free.stderr);
      assert.equal(free.stderr, 'lint ok\n');
      const refused = commitHeld(repo, repo.root);
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /^lint ok\nagent-lease guard: commit refused: 1 staged file is held by another session\./);
      assert.equal(linesOf(userLog).length, 3, "the user's lines ran at both commits, before the guard");
    },
  );
  assert.equal(commitHeld(repo, repo.root).status, 0, 'no guard any more');
  assert.equal(linesOf(userLog).length, 4, "the user's hook still runs");
});

test("init and uninstall without husky: the user's .git/hooks/pre-commit is chained after the guard, and uninstall leaves every byte as it was", async (t) => {
  const repo = guardRepo(t);
  const userLog = join(repo.base, 'user-hook.log');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'sources']);
  writeFileSync(join(repo.root, '.git', 'hooks', 'pre-commit'), `#!/bin/sh\necho "pre-commit with $# arguments" >> "${userLog}"\n`, { mode: 0o750 });
  repo.installBinary();
  await holdAsBob(repo);

  initThenUninstall(
    repo,
    { guardFrom: '.git/hooks/pre-commit, pre-merge-commit, pre-applypatch, prepare-commit-msg, then', statusInstalled: '?? .claude/' },
    () => {
      const free = commitFree(repo);
      assert.equal(free.status, 0, free.stderr);
      assert.deepEqual(linesOf(userLog), ['pre-commit with 0 arguments'], "the user's hook ran after the guard let the commit through");
      const refused = commitHeld(repo, repo.root);
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /^agent-lease guard: commit refused: 1 staged file is held by another session\./);
      assert.equal(linesOf(userLog).length, 1, 'a refused commit stops at the guard');
    },
  );
  assert.equal(commitHeld(repo, repo.root).status, 0, 'no guard any more');
  assert.equal(linesOf(userLog).length, 2, "the user's hook still runs");
});

test('AGENT_LEASE_BYPASS=1 lets a commit of a held file through, and `log` shows the bypass with the committer and the files', async (t) => {
  const repo = await huskyProjectWithGuard(t);
  const [lease] = await listLeases(repo.store());
  const heldBy = [{ session: 'bob', token: lease!.token, pattern: HELD }];

  const bySession = commitHeld(repo, repo.root, { AGENT_LEASE_BYPASS: '1', AGENT_LEASE_SESSION: 'erin' });
  assert.equal(bySession.status, 0, bySession.stderr);
  assert.match(bySession.stderr, /agent-lease guard: AGENT_LEASE_BYPASS=1: committing src\/held\.ts held by other sessions; logged as a bypass by erin\n$/);
  const byPerson = commitHeld(repo, repo.root, { AGENT_LEASE_BYPASS: '1' });
  assert.equal(byPerson.status, 0, byPerson.stderr);
  assert.match(byPerson.stderr, /logged as a bypass by carol\n$/);
  assert.equal(repo.git(['log', '-2', '--format=', '--name-only']), `${HELD}\n${HELD}`);

  const log = agentLease(repo, ['log', '--json']);
  assert.equal(log.status, 0, log.stderr);
  const bypasses = (JSON.parse(log.stdout) as Array<{ kind: string; sessionId: string | null; actor: string | null; detail: unknown }>).filter(
    (event) => event.kind === 'bypass',
  );
  assert.deepEqual(
    bypasses.map(({ sessionId, actor, detail }) => ({ sessionId, actor, detail })),
    [
      { sessionId: 'erin', actor: null, detail: { committer: 'erin', via: 'AGENT_LEASE_SESSION', files: [{ path: HELD, heldBy }] } },
      { sessionId: null, actor: 'carol', detail: { committer: 'carol', via: 'person', files: [{ path: HELD, heldBy }] } },
    ],
  );

  const table = agentLease(repo, ['log'])
    .stdout.split('\n')
    .filter((line) => /\sbypass\s/.test(line));
  assert.equal(table.length, 2, table.join('\n'));
  assert.match(table[0]!, /\sbypass\s+erin\s+src\/held\.ts\s+committer=erin via=AGENT_LEASE_SESSION files=src\/held\.ts heldBy=bob:src\/held\.ts$/);
  assert.match(table[1]!, /\sbypass\s+-\s+src\/held\.ts\s+by=carol committer=carol via=person files=src\/held\.ts heldBy=bob:src\/held\.ts$/);
});
