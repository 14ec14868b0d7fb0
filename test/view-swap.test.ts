// `.agent-locks/` swapped for a symlink between the view's check and its use (TOCTOU): the view
// opens the directory once and reaches every name through the directory it opened, so whatever
// the path leads to afterwards gets nothing written, read or removed. First with the swap made at
// a chosen moment, then with a process swapping the directory back and forth while real
// commands rewrite the view.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, it } from 'node:test';
import { jsonFiles, openViewDir, readViewFile, removeViewFile, writeViewFile } from '../lib/agent-locks/view-files';
import { makeCliRepo, type CliRepo } from './support/cli';

let repo: CliRepo;
beforeEach(() => {
  repo = makeCliRepo();
});
afterEach(() => repo.cleanup());

it('a directory swapped for a link after it was opened: every write, read and removal stays in the directory opened', () => {
  const dir = join(repo.root, '.agent-locks');
  const victim = join(repo.base, 'victim');
  mkdirSync(victim);
  writeFileSync(join(victim, 'old.json'), '{"token": 1, "files": ["x"]}\n');
  writeFileSync(join(victim, 'precious.json'), 'precious\n');
  const view = openViewDir(dir, { create: true });
  assert.notEqual(view, null);
  writeFileSync(join(dir, 'old.json'), '{"token": 1}\n');
  const aside = join(repo.base, 'opened');
  renameSync(dir, aside);
  symlinkSync(victim, dir);
  try {
    writeViewFile(view!, 'precious.json', 'generated\n');
    writeViewFile(view!, 'new.json', 'generated\n');
    assert.equal(readViewFile(view!, 'old.json'), '{"token": 1}\n', 'read from the directory opened');
    assert.deepEqual(jsonFiles(view!), ['new.json', 'old.json', 'precious.json']);
    removeViewFile(view!, 'old.json');
  } finally {
    view!.close();
  }
  assert.deepEqual(readdirSync(victim).sort(), ['old.json', 'precious.json'], 'nothing added to or removed from where the link points');
  assert.equal(readFileSync(join(victim, 'precious.json'), 'utf8'), 'precious\n');
  assert.deepEqual(readdirSync(aside).sort(), ['new.json', 'precious.json']);
});

it('a link that is there before the open is refused: nothing is opened through it', () => {
  const victim = join(repo.base, 'victim');
  mkdirSync(victim);
  symlinkSync(victim, join(repo.root, '.agent-locks'));
  assert.equal(openViewDir(join(repo.root, '.agent-locks'), { create: true }), null);
});

it('commands rewriting the view while another process keeps swapping it for a link write nothing through the link', async () => {
  const dir = join(repo.root, '.agent-locks');
  const victim = join(repo.base, 'victim');
  mkdirSync(victim);
  mkdirSync(dir);
  // Swaps .agent-locks for a link to the victim and back, as fast as it can, until killed.
  const swapper = spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('node:fs');
       const [dir, aside, victim] = process.argv.slice(1);
       const pause = new Int32Array(new SharedArrayBuffer(4));
       for (let i = 0; ; i++) {
         try { fs.renameSync(dir, aside); } catch {}
         try { fs.symlinkSync(victim, dir); } catch {}
         if (i % 4 === 0) Atomics.wait(pause, 0, 0, 1);
         try { if (fs.lstatSync(dir).isSymbolicLink()) fs.unlinkSync(dir); } catch {}
         try { fs.renameSync(aside, dir); } catch {}
       }`,
      dir,
      join(repo.base, 'aside'),
      victim,
    ],
    { stdio: 'ignore' },
  );
  try {
    for (let round = 0; round < 12; round++) {
      repo.cli(['claim', `src/f${round}.ts`, '--as', `s${round % 3}`]);
      if (round % 2 === 1) repo.cli(['release', `src/f${round - 1}.ts`, '--as', `s${(round - 1) % 3}`]);
    }
  } finally {
    swapper.kill('SIGKILL');
    await new Promise((resolve) => swapper.once('exit', resolve));
  }
  assert.deepEqual(readdirSync(victim), [], 'not one file written through the link');
  assert.ok(existsSync(join(repo.base, 'aside')) || existsSync(dir), 'the real directory is still there, under one name or the other');
});
