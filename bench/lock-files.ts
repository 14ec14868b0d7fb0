// What keeping `.agent-locks/` costs. A hook that called `syncView` after every grant would
// pay the "nothing changed" path almost always: compared here with the one indexed query it cannot
// avoid (listing the live leases), and with a full rewrite of the view in three worktrees.
// In-process, interleaved round by round; each sample is the time of BATCH calls.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listLeases } from '../lib/core/lease-queries';
import { syncView } from '../lib/agent-locks/view';
import { openStore } from '../lib/core/sqlite';
import { populateLeases } from './fixtures';
import { interleave, ratioTable, runWhenMain } from './stats';

const ROUNDS = 30;
const BATCH = 20;
const LEASES = 100;

function batch(fn: () => Promise<unknown>): () => Promise<number> {
  return async () => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) await fn();
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
}

export async function main(): Promise<void> {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'agent-lease-bench-locks-')));
  try {
    const root = join(base, 'repo');
    mkdirSync(root);
    const env = {
      ...process.env,
      HOME: base,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Bench',
      GIT_AUTHOR_EMAIL: 'b@example.com',
      GIT_COMMITTER_NAME: 'Bench',
      GIT_COMMITTER_EMAIL: 'b@example.com',
    };
    const git = (args: string[]): string => execFileSync('git', args, { cwd: root, env, encoding: 'utf8' });
    git(['init', '-q', '-b', 'main']);
    git(['commit', '-q', '--allow-empty', '-m', 'bench']);
    git(['worktree', 'add', '-q', '-b', 'a', join(base, 'wt-a')]);
    git(['worktree', 'add', '-q', '-b', 'b', join(base, 'wt-b')]);
    const store = openStore({ path: join(root, '.git', 'agent-lease', 'state.db') });
    await populateLeases(store, LEASES, 10);
    const commonDir = join(root, '.git');
    const options = { storePath: store.path, claimTtlMs: 3_600_000 };
    await syncView(store, commonDir, options);

    const summaries = await interleave(
      [
        { label: 'listLeases (baseline)', run: batch(async () => await listLeases(store)) },
        { label: 'syncView, nothing changed', run: batch(async () => await syncView(store, commonDir, options)) },
        { label: 'syncView, full rewrite', run: batch(async () => await syncView(store, commonDir, { ...options, force: true })) },
      ],
      ROUNDS,
    );
    await store.close();
    console.log(ratioTable(`ms per ${BATCH} calls, ${LEASES} live leases, 3 worktrees`, summaries[0]!, summaries.slice(1)));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

runWhenMain(module, main);
