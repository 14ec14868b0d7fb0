// The `.agent-locks/` view against what anyone who can write a worktree can plant there: a
// symlink named like the next lease file (pointing at a file to overwrite, or at a private file to
// copy), a symlink named like a dropped claim, the directory itself as a link elsewhere, a FIFO
// named `*.json`, a huge dropped file. The view follows no link, opens only regular files, writes
// only inside its directory and never hangs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeCliRepo, type CliRepo } from './support/cli';

let repo: CliRepo;
beforeEach(() => {
  repo = makeCliRepo();
});
afterEach(() => repo.cleanup());

const view = (root = repo.root): string => join(root, '.agent-locks');

describe('.agent-locks/ follows no link', () => {
  it('does not write through a symlink named like a lease file, nor copy a linked private file, nor remove through a link', () => {
    const victim = join(repo.base, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    const secret = join(repo.base, 'secret.json');
    writeFileSync(secret, JSON.stringify({ token: 99, secret: 'do not copy me' }));
    chmodSync(secret, 0o600);
    mkdirSync(view());
    // The next claims get tokens 1 and 2: `tester.1.json` and `tester.2.json`.
    symlinkSync(victim, join(view(), 'tester.1.json'));
    symlinkSync(secret, join(view(), 'tester.2.json'));
    symlinkSync(secret, join(view(), 'planted.json'));
    assert.equal(repo.cli(['claim', 'src/a.ts', 'src/b.ts']).status, 0);

    assert.equal(readFileSync(victim, 'utf8'), 'precious\n', 'the link target is untouched');
    for (const name of ['tester.1.json', 'tester.2.json']) {
      assert.ok(lstatSync(join(view(), name)).isFile(), `${name} is a regular file now`);
      assert.doesNotMatch(readFileSync(join(view(), name), 'utf8'), /do not copy me/);
    }
    assert.equal(readlinkSync(join(view(), 'planted.json')), secret, 'a link that is no lease file is left alone');
    assert.equal(readFileSync(secret, 'utf8').includes('do not copy me'), true);
    assert.deepEqual(
      readdirSync(view()).filter((name) => name.endsWith('.refused')),
      [],
      'a linked claim is not read, so not refused into a copy either',
    );
  });

  it('refuses a .agent-locks that is itself a link: nothing is written or removed where it points', () => {
    const elsewhere = join(repo.base, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'keep.json'), JSON.stringify({ token: 5, files: ['x'] }));
    symlinkSync(elsewhere, view());
    const claim = repo.cli(['claim', 'src/a.ts']);
    assert.equal(claim.status, 0, claim.stderr);
    assert.match(claim.stderr, /\.agent-locks is not a directory/);
    assert.deepEqual(readdirSync(elsewhere), ['keep.json']);
  });

  it('does not hang on a FIFO named *.json, and refuses a dropped file too large to be a claim', () => {
    mkdirSync(view());
    assert.equal(spawnSync('mkfifo', [join(view(), 'pipe.json')]).status, 0);
    writeFileSync(join(view(), 'huge.json'), JSON.stringify({ agent: 'dana', task: 'x'.repeat(30 * 1024 * 1024), files: ['docs/**'] }));
    const started = Date.now();
    const claim = repo.cli(['claim', 'src/a.ts']);
    assert.equal(claim.status, 0, claim.stderr);
    assert.ok(Date.now() - started < 30_000);
    assert.match(claim.stderr, /did not take .*huge\.json as a claim: larger than 64 KB/);
    assert.ok(lstatSync(join(view(), 'pipe.json')).isFIFO(), 'the FIFO is left alone');
    const refused = readFileSync(join(view(), 'huge.json.refused'), 'utf8');
    assert.ok(refused.length < 1000, 'the note does not copy 30 MB');
  });
});
