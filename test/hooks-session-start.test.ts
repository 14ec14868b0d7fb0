import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquire } from '../lib/core/acquire';
import { listLeases } from '../lib/core/lease-queries';
import { getSession, registerSession } from '../lib/core/sessions';
import { BIN, fixture, hookEnv, runHook, tempRepo, withRepoStore } from './support/hooks';

const A = '9d3c1f7e-1111-4a2b-9c1d-0a1b2c3d4e5f';
const B = '5e6f7a8b-2222-4c3d-8e9f-1a2b3c4d5e6f';

test('startup registers the session with its agent process, exports its id to the Bash tool, and briefs the model', async (t) => {
  const repo = tempRepo(t);
  const envFile = join(repo.base, 'session-env.sh');
  writeFileSync(envFile, 'export EARLIER=1\n');
  const run = runHook('session-start', fixture('session-start.startup', repo.root, A), { env: hookEnv(repo.env, { CLAUDE_ENV_FILE: envFile }) });
  assert.equal(run.status, 0);
  assert.equal(run.json?.hookSpecificOutput?.hookEventName, 'SessionStart');
  const context = run.json?.hookSpecificOutput?.additionalContext ?? '';
  assert.match(context, new RegExp(`this session \\(${A}\\)`));
  assert.match(context, /No other session holds any file right now/);
  assert.match(context, /agent-lease claim 'src\/auth\/\*\*' --task "/);
  assert.equal(readFileSync(envFile, 'utf8'), `export EARLIER=1\nexport AGENT_LEASE_SESSION=${A}\n`);
  assert.equal(run.json?.systemMessage, 'agent-lease: installed the commit guard in this worktree', 'a first install, not a repair');
  assert.match(readFileSync(join(repo.root, '.git', 'hooks', 'pre-commit'), 'utf8'), /agent-lease guard/);
  const again = runHook('session-start', fixture('session-start.startup', repo.root, A), { env: hookEnv(repo.env) });
  assert.equal(again.json?.systemMessage, undefined, 'nothing to repair the second time');

  const session = await withRepoStore(repo, async (store) => await getSession(store, A));
  assert.equal(session?.runtime, 'claude-code');
  assert.equal(session?.worktree, repo.root);
  assert.equal(session?.branch, 'main');
  assert.equal(session?.pid, process.pid, 'the agent is the nearest non-shell ancestor: this test process');
  assert.equal(session?.alive, true);
});

test("the briefing lists other sessions' leases with holder, task and expiry, at most 20 lines then a count", async (t) => {
  const repo = tempRepo(t);
  const worktreeB = repo.addWorktree('wt-b', 'feature-b');
  await withRepoStore(repo, async (store) => {
    await registerSession(store, { id: 'bob', runtime: 'cli', worktree: worktreeB, branch: 'feature-b' });
    const paths = Array.from({ length: 24 }, (_, i) => `src/module-${String(i).padStart(2, '0')}.ts`);
    assert.equal((await acquire(store, 'bob', ['src/auth/**', ...paths], { task: 'split the modules' })).ok, true);
  });
  const run = runHook('session-start', fixture('session-start.startup', repo.root, A), { env: hookEnv(repo.env) });
  const context = run.json?.hookSpecificOutput?.additionalContext ?? '';
  const leaseLines = context.split('\n').filter((line) => line.startsWith('- '));
  assert.equal(leaseLines.length, 21);
  assert.match(
    leaseLines[0]!,
    /^- bob \(task "split the modules", worktree .*wt-b on feature-b\) holds src\/auth\/\*\* exclusively \(claim lease, token \d+\), (59m|1h00m) left$/,
  );
  assert.equal(leaseLines[20], '- … and 5 more (run `agent-lease status` for all of them)');
});

test('after /clear (SessionEnd(clear), then SessionStart(clear)) the same agent process keeps its leases under the new session id; a new process does not', async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  runHook('session-start', fixture('session-start.startup', repo.root, A), { env });
  assert.equal(runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env }).stdout, '');

  // A second session of the same process (here: this test process) holds a file of its own.
  const secondEdit = fixture('pre-tool-use.write', repo.root, 'second-session', { tool_input: { file_path: join(repo.root, 'src/other.ts'), content: 'x' } });
  assert.equal(runHook('pre-tool-use', secondEdit, { env }).stdout, '');

  // Claude Code 2.1.332 ends the old id first, ~100-170 ms before the new id starts.
  assert.deepEqual(runHook('session-end', fixture('session-end', repo.root, A, { reason: 'clear' }), { env }).status, 0);
  const meanwhile = runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, 'someone-else'), { env });
  assert.equal(meanwhile.json?.hookSpecificOutput?.permissionDecision, 'deny', 'the lease holds between the end and the start');
  const cleared = runHook('session-start', fixture('session-start.clear', repo.root, B), { env });
  assert.match(cleared.json?.hookSpecificOutput?.additionalContext ?? '', new RegExp(`keeps the 1 lease\\(s\\) of its previous session id \\(${A}\\)`));
  await withRepoStore(repo, async (store) => {
    assert.deepEqual(
      (await listLeases(store)).map((lease) => [lease.pattern, lease.sessionId]),
      [
        ['src/auth/login.ts', B],
        ['src/other.ts', 'second-session'],
      ],
      'only the session that ended with reason clear is carried over',
    );
    assert.notEqual((await getSession(store, A))?.endedAt, null, 'the old id is ended');
  });

  // Another agent process starting up (here: the same test process registering another session
  // on startup) takes nothing over.
  const other = runHook('session-start', fixture('session-start.startup', repo.root, 'another-session'), { env });
  assert.match(other.json?.hookSpecificOutput?.additionalContext ?? '', /holds src\/auth\/login\.ts exclusively/);
  assert.deepEqual(await withRepoStore(repo, async (store) => (await listLeases(store)).map((lease) => lease.sessionId)), [B, 'second-session']);
});

test('a store that cannot be used and an unwritable CLAUDE_ENV_FILE are reported; outside git there is nothing to do', (t) => {
  const repo = tempRepo(t);
  const outside = mkdtempSync(join(tmpdir(), 'agent-lease-outside-'));
  t.after(() => rmSync(outside, { recursive: true, force: true }));
  const broken = join(repo.base, 'broken.db');
  writeFileSync(broken, 'not a database\n'.repeat(100));
  const envDir = join(repo.base, 'env-dir');
  mkdirSync(envDir);
  const run = runHook('session-start', fixture('session-start.startup', repo.root, A), {
    env: hookEnv(repo.env, { AGENT_LEASE_DB: broken, CLAUDE_ENV_FILE: envDir }),
  });
  assert.equal(run.status, 0);
  assert.match(run.json?.systemMessage ?? '', /could not write to CLAUDE_ENV_FILE/);
  assert.match(run.json?.systemMessage ?? '', /cannot use its store .*broken\.db.*NOT being leased/);
  assert.match(run.json?.hookSpecificOutput?.additionalContext ?? '', /cannot work right now/);

  const elsewhere = runHook('session-start', fixture('session-start.startup', outside, A), { env: hookEnv(repo.env) });
  assert.deepEqual([elsewhere.status, elsewhere.stdout, elsewhere.stderr], [0, '', '']);
});

test("the session's shell gets the directory of the binary the hook runs as first on PATH, quoted, unless it is on PATH already", (t) => {
  const repo = tempRepo(t);
  const dir = join(repo.base, "it's bin");
  mkdirSync(dir);
  symlinkSync(BIN, join(dir, 'agent-lease'));
  chmodSync(BIN, 0o755);
  const envFile = join(repo.base, 'session-env.sh');
  const input = JSON.stringify(fixture('session-start.startup', repo.root, A));
  const start = (path: string): string => {
    writeFileSync(envFile, '');
    execFileSync(join(dir, 'agent-lease'), ['hook', 'session-start'], { input, env: hookEnv(repo.env, { CLAUDE_ENV_FILE: envFile, PATH: path }) });
    return readFileSync(envFile, 'utf8');
  };
  const exported = start(process.env.PATH!);
  assert.equal(exported, `export AGENT_LEASE_SESSION=${A}\nexport PATH='${repo.base}/it'\\''s bin':"$PATH"\n`);
  const shell = execFileSync('/bin/bash', ['-c', `. ${envFile}; command -v agent-lease`], { encoding: 'utf8' });
  assert.equal(shell, `${dir}/agent-lease\n`);
  assert.equal(start(`${dir}:${process.env.PATH}`), `export AGENT_LEASE_SESSION=${A}\n`, 'already on PATH: nothing added');
});
