// Claims resolve paths exactly as edits do: through a symlinked directory to the file an edit
// would lease, and a name with glob characters that names an existing file (a Next.js route) as
// that file; `--glob` takes it as a glob.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './support/cli';
import { makeFaultRepo } from './support/faults';

test('a claim through a symlinked directory, or of a file named like a glob, holds the file an edit writes', (t) => {
  const repo = makeFaultRepo(t);
  const cli = (args: string[]) => runCli(args, { cwd: repo.root, env: repo.hookEnv });
  repo.write('app/[slug]/page.tsx', 'export default 1\n');
  repo.write('packages/core/index.ts', 'x\n');
  symlinkSync(join(repo.root, 'packages', 'core'), join(repo.root, 'core'));

  const claim = cli(['claim', '--as', 'bob', 'app/[slug]/page.tsx', 'core/index.ts']);
  assert.equal(claim.status, 0, claim.stderr);
  const held = JSON.parse(cli(['status', '--json']).stdout) as { leases: Array<{ pattern: string }> };
  assert.deepEqual(held.leases.map((lease) => lease.pattern).sort(), ['app/[slug]/page.tsx', 'packages/core/index.ts']);
  for (const file of ['app/[slug]/page.tsx', 'packages/core/index.ts', 'core/index.ts']) {
    const who = JSON.parse(cli(['who', '--json', '--', file]).stdout) as Array<{ holders: unknown[] }>;
    assert.equal(who[0]!.holders.length, 1, `who ${file}`);
    assert.equal(repo.edit('session-a', file).json?.hookSpecificOutput?.permissionDecision, 'deny', `edit of ${file}`);
  }

  // --glob: the same text as a glob, matching app/s/page.tsx and not the bracketed file.
  repo.write('app/s/page.tsx', 'x\n');
  assert.equal(cli(['claim', '--as', 'carol', '--glob', 'app/[s]/page.tsx']).status, 0);
  const who = JSON.parse(cli(['who', '--json', 'app/s/page.tsx']).stdout) as Array<{ holders: Array<{ holder: string }> }>;
  assert.deepEqual(
    who[0]!.holders.map((holder) => holder.holder),
    ['carol'],
  );
});
