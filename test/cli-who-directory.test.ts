// `agent-lease who <directory>` lists what is held under the directory: exact files in it, and
// globs that can match a file in it, whoever holds them; `check` still refuses a directory.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, it } from 'node:test';
import { makeCliRepo, type CliRepo } from './support/cli';

let repo: CliRepo;
beforeEach(() => {
  repo = makeCliRepo();
  for (const dir of ['src/api/v1', 'src/web', 'app/[slug]', 'docs']) mkdirSync(join(repo.root, dir), { recursive: true });
  repo.write('src/api/v1/users.ts', 'x\n');
  repo.write('app/[slug]/page.tsx', 'x\n');
});
afterEach(() => repo.cleanup());

it('who <directory> lists the leases of files under it and of globs reaching into it, and nothing else', () => {
  for (const [holder, pattern] of [
    ['alice', 'src/api/v1/users.ts'],
    ['bob', '**/*.test.ts'],
    ['carol', 'src/web/*.css'],
    ['dana', 'docs/a.md'],
    ['erin', 'app/[slug]/page.tsx'],
  ]) {
    const claimed = repo.cli(['claim', pattern!, '--as', holder!]);
    assert.equal(claimed.status, 0, claimed.stderr);
  }

  const result = repo.cli(['who', 'src/api']);
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^PATH\s+HOLDER\s+PATTERN\s+MODE\s+TASK\s+TIME LEFT$/);
  assert.deepEqual(
    lines.slice(1).map((line) => line.split(/\s+/).slice(0, 3).join(' ')),
    ['src/api/ alice src/api/v1/users.ts', 'src/api/ bob **/*.test.ts'],
  );

  const json = repo.json(['who', 'src', 'docs', 'app/[slug]', 'src/web', '--json']);
  assert.deepEqual(
    json.map((entry: { path: string; directory: boolean; holders: Array<{ holder: string }> }) => [
      entry.path,
      entry.directory,
      entry.holders.map((holder) => holder.holder),
    ]),
    [
      ['src', true, ['alice', 'bob', 'carol']],
      ['docs', true, ['bob', 'dana']],
      ['app/[slug]', true, ['bob', 'erin']],
      ['src/web', true, ['bob', 'carol']],
    ],
  );
  assert.equal(repo.json(['who', 'src/api/v1/users.ts', '--json'])[0].directory, false);
});

it('who <directory> with nothing under it says so, from a subdirectory too; check still refuses a directory', () => {
  assert.equal(repo.cli(['claim', 'docs/a.md', '--as', 'dana']).status, 0);
  const free = repo.cli(['who', 'api'], { cwd: join(repo.root, 'src') });
  assert.equal(free.status, 0, free.stderr);
  assert.match(free.stdout.trimEnd().split('\n')[1]!, /^src\/api\/\s+\(nothing held under it\)$/);
  const check = repo.cli(['check', 'src/api']);
  assert.equal(check.status, 2);
  assert.match(check.stderr, /src\/api is a directory: name the files in it, or all of them with 'src\/api\/\*\*'/);
});
