// `.agent-locks/`: regenerated in every worktree when leases change, git-ignored, and files people
// drop there are taken as claims (or refused, with the reason next to them).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import lockfile from 'proper-lockfile';
import { viewLockPath } from '../lib/agent-locks/view';
import { BIN, makeCliRepo, type CliRepo } from './support/cli';

let repo: CliRepo;
beforeEach(() => {
  repo = makeCliRepo();
});
afterEach(() => repo.cleanup());

const lockFiles = (root: string): string[] => (existsSync(join(root, '.agent-locks')) ? readdirSync(join(root, '.agent-locks')).sort() : []);
const readLockFile = (root: string, name: string): Record<string, unknown> => JSON.parse(readFileSync(join(root, '.agent-locks', name), 'utf8'));

describe('.agent-locks/', () => {
  it('holds one file per live lease in every worktree, git-ignored, gone when released', () => {
    const other = repo.addWorktree('feature');
    assert.equal(repo.cli(['claim', 'src/**', '--task', 'rewrite', '--ttl', '2h']).status, 0);
    repo.cli(['claim', 'docs/a.md', '--shared', '--as', 'bob'], { cwd: other });
    for (const root of [repo.root, other]) {
      assert.deepEqual(lockFiles(root), ['bob.2.json', 'tester.1.json']);
      const record = readLockFile(root, 'tester.1.json');
      assert.deepEqual(Object.keys(record), ['agent', 'session', 'token', 'task', 'files', 'mode', 'source', 'started', 'ttl']);
      assert.equal(record.agent, 'tester');
      assert.equal(record.session, 'tester');
      assert.equal(record.token, 1);
      assert.equal(record.task, 'rewrite');
      assert.deepEqual(record.files, ['src/**']);
      assert.equal(record.mode, 'exclusive');
      assert.equal(record.source, 'claim');
      assert.equal(record.ttl, '2h00m');
      assert.equal(readLockFile(root, 'bob.2.json').mode, 'shared');
      assert.equal(repo.git(['status', '--porcelain'], root), '', 'git-ignored');
    }
    assert.match(readFileSync(join(repo.root, '.git', 'info', 'exclude'), 'utf8'), /^\/\.agent-locks\/$/m);
    repo.cli(['release', 'src/**']);
    for (const root of [repo.root, other]) assert.deepEqual(lockFiles(root), ['bob.2.json']);
  });

  it('takes a file a person drops there as a claim by the agent it names', () => {
    const other = repo.addWorktree('feature');
    repo.cli(['claim', 'unrelated.ts']);
    writeFileSync(join(other, '.agent-locks', 'my-docs.json'), JSON.stringify({ agent: 'dana', task: 'docs pass', files: ['docs/**'], ttl: '2h' }));
    const next = repo.cli(['claim', 'another.ts']);
    assert.equal(next.status, 0);
    assert.match(next.stderr, new RegExp(`took ${other}/\\.agent-locks/my-docs\\.json as a claim by dana on docs/\\*\\*`));
    const lease = repo.json(['status', '--json']).leases.find((l: { holder: string }) => l.holder === 'dana');
    assert.equal(lease.source, 'file');
    assert.equal(lease.task, 'docs pass');
    assert.equal(Date.parse(lease.expiresAt) - Date.parse(lease.acquiredAt), 2 * 3_600_000);
    assert.equal(repo.cli(['check', 'docs/x.md']).status, 1, 'it binds like any lease');
    for (const root of [repo.root, other]) {
      assert.ok(lockFiles(root).includes(`dana.${lease.token}.json`));
      assert.ok(!lockFiles(root).includes('my-docs.json'));
    }
  });

  it('.agent-locks.example/ documents the format the code writes and reads', () => {
    const example = join(__dirname, '..', '.agent-locks.example');
    repo.cli(['claim', 'src/**']);
    const generated = readLockFile(repo.root, 'tester.1.json');
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(example, 'alice.12.json'), 'utf8'))), Object.keys(generated));
    copyFileSync(join(example, 'my-claim.json'), join(repo.root, '.agent-locks', 'my-claim.json'));
    assert.match(repo.cli(['claim', 'x.ts']).stderr, /took .*my-claim\.json as a claim by dana on docs\/\*\*, README\.md/);
  });

  it('refuses a dropped claim that conflicts or is malformed, keeping it with the reason', () => {
    repo.cli(['claim', 'src/**', '--as', 'alice']);
    writeFileSync(join(repo.root, '.agent-locks', 'mine.json'), JSON.stringify({ agent: 'dana', files: ['src/a.ts'] }));
    writeFileSync(join(repo.root, '.agent-locks', 'typo.json'), JSON.stringify({ agent: 'dana', file: ['x'] }));
    writeFileSync(join(repo.root, '.agent-locks', 'broken.json'), '{ "agent": ');
    const result = repo.cli(['claim', 'z.ts']);
    assert.equal(result.status, 0);
    assert.match(result.stderr, /did not take .*mine\.json as a claim: src\/a\.ts: alice .* holds src\/\*\* exclusively/);
    assert.match(result.stderr, /did not take .*typo\.json as a claim: (files|\(top level\)): /);
    assert.match(result.stderr, /did not take .*broken\.json as a claim: not valid JSON/);
    assert.deepEqual(
      lockFiles(repo.root).filter((name) => name.endsWith('.refused')),
      ['broken.json.refused', 'mine.json.refused', 'typo.json.refused'],
    );
    const kept = readFileSync(join(repo.root, '.agent-locks', 'mine.json.refused'), 'utf8');
    assert.match(kept, /^# agent-lease did not take this claim \(.*\): src\/a\.ts: alice/);
    assert.match(kept, /\{"agent":"dana","files":\["src\/a\.ts"\]\}$/);
    assert.equal(
      repo.json(['status', '--json']).leases.some((l: { holder: string }) => l.holder === 'dana'),
      false,
    );
  });

  it('rewrites only under the proper-lockfile lock', () => {
    repo.cli(['claim', 'first.ts']);
    const unlock = lockfile.lockSync(join(repo.root, '.git', 'agent-lease'), {
      lockfilePath: viewLockPath(join(repo.root, '.git', 'agent-lease', 'state.db')),
      realpath: false,
    });
    try {
      const blocked = repo.cli(['claim', 'second.ts']);
      assert.equal(blocked.status, 0, 'the claim itself succeeds');
      assert.match(blocked.stderr, /could not update \.agent-locks\/: another process has held .*lock-files\.lock for over 1s/);
      assert.deepEqual(lockFiles(repo.root), ['tester.1.json']);
    } finally {
      unlock();
    }
    repo.cli(['claim', 'third.ts']);
    assert.deepEqual(lockFiles(repo.root), ['tester.1.json', 'tester.2.json', 'tester.3.json']);
  });

  it('stays complete when several processes change leases at once', async () => {
    const sessions = Array.from({ length: 8 }, (_, i) => `agent${i}`);
    await Promise.all(
      sessions.map(
        (session) =>
          new Promise<void>((resolve, reject) => {
            const child = spawn(process.execPath, [BIN, 'claim', `${session}.ts`, '--as', session], { cwd: repo.root, env: repo.env, stdio: 'ignore' });
            child.on('error', reject);
            child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`claim exited ${code}`))));
          }),
      ),
    );
    const tokens = repo.json(['status', '--json']).leases.map((lease: { holder: string; token: number }) => `${lease.holder}.${lease.token}.json`);
    assert.deepEqual(lockFiles(repo.root), tokens.sort());
  });
});
