// A decision reads what it needs from the worktree (HEAD for the branch) before it uses the store:
// the store's work is tiny transactions, with no file read or git run between them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import { SqliteStore } from '../lib/core/sqlite';
import type { AgentEvent } from '../lib/decisions/context';
import { decideEdit } from '../lib/decisions/edit';
import { beforeShellCommand } from '../lib/decisions/shell-writes';
import { tempRepo } from './support/hooks';

const A = '9d3c1f7e-1111-4a2b-9c1d-0a1b2c3d4e5f';

/** What `decide` did, in order: `store` for each transaction it ran, `HEAD` for each read of a HEAD file. */
async function trace(decide: () => Promise<unknown>): Promise<string[]> {
  const steps: string[] = [];
  const { write, read: readTransaction } = SqliteStore.prototype;
  const { readFileSync } = fs;
  const writes = mock.method(SqliteStore.prototype, 'write', function (this: SqliteStore, ...args: Parameters<SqliteStore['write']>) {
    steps.push('store');
    return write.apply(this, args);
  });
  const reads = mock.method(SqliteStore.prototype, 'read', function (this: SqliteStore, ...args: Parameters<SqliteStore['read']>) {
    steps.push('store');
    return readTransaction.apply(this, args);
  });
  const read = mock.method(fs, 'readFileSync', (...args: Parameters<typeof fs.readFileSync>) => {
    if (String(args[0]).endsWith(join('.git', 'HEAD'))) steps.push('HEAD');
    return readFileSync(...args);
  });
  try {
    await decide();
  } finally {
    writes.mock.restore();
    reads.mock.restore();
    read.mock.restore();
  }
  return steps;
}

for (const [name, decide] of [
  ['an edit', (event: AgentEvent, root: string) => decideEdit(event, join(root, 'src', 'a.ts'), 'tool_input.file_path')],
  ['a Bash command that writes a file', (event: AgentEvent) => beforeShellCommand(event, 'echo x > src/a.ts')],
] as const) {
  test(`${name} reads HEAD before it uses the store, not between its transactions`, async (t) => {
    const repo = tempRepo(t);
    const event: AgentEvent = { sessionId: A, runtime: 'claude-code', cwd: repo.root };

    assert.equal((await decide(event, repo.root)).deny, undefined, 'first decision');
    const steps = await trace(async () => assert.equal((await decide(event, repo.root)).deny, undefined, 'renewal'));
    assert.ok(steps.includes('HEAD') && steps.includes('store'), steps.join(' '));
    assert.equal(steps.lastIndexOf('HEAD') < steps.indexOf('store'), true, steps.join(' '));
  });
}
