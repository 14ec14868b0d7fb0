// A decision reads what it needs from the worktree (HEAD for the branch) before it uses the store:
// the store's work is tiny transactions, with no file read or git run between its statements.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import { Store } from '../lib/core/store';
import type { AgentEvent } from '../lib/decisions/context';
import { decideEdit } from '../lib/decisions/edit';
import { beforeShellCommand } from '../lib/decisions/shell-writes';
import { tempRepo } from './support/hooks';

const A = '9d3c1f7e-1111-4a2b-9c1d-0a1b2c3d4e5f';

/** What `decide` did, in order: `store` for each statement it ran, `HEAD` for each read of a HEAD file. */
function trace(decide: () => unknown): string[] {
  const steps: string[] = [];
  const { statement: runStatement } = Store.prototype;
  const { readFileSync } = fs;
  const statement = mock.method(Store.prototype, 'statement', function (this: Store, sql: string) {
    steps.push('store');
    return runStatement.call(this, sql);
  });
  const read = mock.method(fs, 'readFileSync', (...args: Parameters<typeof fs.readFileSync>) => {
    if (String(args[0]).endsWith(join('.git', 'HEAD'))) steps.push('HEAD');
    return readFileSync(...args);
  });
  try {
    decide();
  } finally {
    statement.mock.restore();
    read.mock.restore();
  }
  return steps;
}

for (const [name, decide] of [
  ['an edit', (event: AgentEvent, root: string) => decideEdit(event, join(root, 'src', 'a.ts'), 'tool_input.file_path')],
  ['a Bash command that writes a file', (event: AgentEvent) => beforeShellCommand(event, 'echo x > src/a.ts')],
] as const) {
  test(`${name} reads HEAD before it uses the store, not between its statements`, (t) => {
    const repo = tempRepo(t);
    const event: AgentEvent = { sessionId: A, runtime: 'claude-code', cwd: repo.root };

    assert.equal(decide(event, repo.root).deny, undefined, 'first decision');
    const steps = trace(() => assert.equal(decide(event, repo.root).deny, undefined, 'renewal'));
    assert.ok(steps.includes('HEAD') && steps.includes('store'), steps.join(' '));
    assert.equal(steps.lastIndexOf('HEAD') < steps.indexOf('store'), true, steps.join(' '));
  });
}
