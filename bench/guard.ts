// The commit guard's cost: `git commit` of 1 and of 1,000 files through the installed pre-commit
// hook (hooks directory, and husky), against the very same commit with no hook (`--no-verify`),
// with 10,000 live leases in the store that cover none of the committed files (the common case:
// the whole lookup runs and the commit passes). Interleaved round by round in one run.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { installGuard } from '../lib/guard/install';
import { openStore } from '../lib/core/sqlite';
import { populateLeases } from './fixtures';
import { interleave, ratioTable, runWhenMain, timeCommand, type Summary } from './stats';

const PROJECT = resolve(__dirname, '..');
const ROUNDS = 25;
const TARGET_MS = 150;
const AIM_MS = 100;

async function setUp(base: string): Promise<{ root: string; env: NodeJS.ProcessEnv; files: string[] }> {
  const root = join(base, 'repo');
  mkdirSync(root);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: base,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Bench',
    GIT_AUTHOR_EMAIL: 'bench@example.com',
    GIT_COMMITTER_NAME: 'Bench',
    GIT_COMMITTER_EMAIL: 'bench@example.com',
  };
  for (const name of ['AGENT_LEASE_SESSION', 'CLAUDE_CODE_SESSION_ID', 'AGENT_LEASE_BYPASS', 'AGENT_LEASE_DB', 'HUSKY']) delete env[name];
  const git = (args: string[]): string => execFileSync('git', args, { cwd: root, env, encoding: 'utf8' });
  git(['init', '-q', '-b', 'main']);

  // The files a commit touches sit among the leased ones: same packages, same directories.
  const files = Array.from({ length: 1000 }, (_, i) => `pkg${i % 200}/src/m${i % 7}/staged${i}.ts`);
  for (const file of files) write(root, file, 'v0\n');
  write(root, '.gitignore', 'node_modules\n');
  const bin = join(root, 'node_modules', '.bin', 'agent-lease');
  write(root, 'node_modules/.bin/agent-lease', `#!/bin/sh\nexec "${process.execPath}" "${join(PROJECT, 'dist', 'bin', 'agent-lease.js')}" "$@"\n`);
  chmodSync(bin, 0o755);
  symlinkSync(join(PROJECT, 'node_modules', 'husky'), join(root, 'node_modules', 'husky'));
  git(['add', '.']);
  git(['commit', '-q', '-m', 'files']);

  // Both ways in: first the hook in .git/hooks; then, once the project uses husky, husky's
  // (installGuard runs husky's setup), which the husky cases select with core.hooksPath=.husky/_.
  const saved = { ...process.env };
  Object.assign(process.env, { HOME: base, GIT_CONFIG_NOSYSTEM: '1' });
  try {
    if (installGuard(root).method !== 'hooks-dir') throw new Error('expected the hooks directory');
    write(root, 'package.json', '{ "name": "bench", "devDependencies": { "husky": "^9.1.7" } }\n');
    if (installGuard(root).method !== 'husky') throw new Error('expected husky');
    // husky alone, for its own share of the cost: its generated directory over an empty pre-commit.
    const husky = spawnSync(process.execPath, [join(root, 'node_modules', 'husky', 'bin.js'), '.husky-empty'], { cwd: root, env, encoding: 'utf8' });
    if (husky.stdout !== '') throw new Error(`husky: ${husky.stdout}`);
    write(root, '.husky-empty/pre-commit', '');
  } finally {
    process.env = saved;
  }
  git(['config', '--unset', 'core.hooksPath']);
  git(['add', '.']);
  git(['commit', '-q', '--no-verify', '-m', 'husky']);
  // Packed, as a repository's history is once git has run its automatic gc.
  git(['gc', '-q']);

  const store = openStore({ path: join(root, '.git', 'agent-lease', 'state.db') });
  await populateLeases(store);
  await store.close();
  return { root, env, files };
}

function write(root: string, file: string, content: string): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), content);
}

export async function main(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'agent-lease-bench-guard-'));
  try {
    const { root, env, files } = await setUp(base);
    const git = (args: string[]): void => void execFileSync('git', args, { cwd: root, env });
    const hooks = {
      'no hook (--no-verify)': ['commit', '-q', '--no-verify', '-m', 'bench'],
      'guard in .git/hooks': ['commit', '-q', '-m', 'bench'],
      'husky, empty pre-commit': ['-c', 'core.hooksPath=.husky-empty/_', 'commit', '-q', '-m', 'bench'],
      'guard through husky': ['-c', 'core.hooksPath=.husky/_', 'commit', '-q', '-m', 'bench'],
    };
    const results: Array<{ size: number; summaries: Summary[] }> = [];
    for (const size of [1, 1000]) {
      for (const file of files.slice(0, size)) write(root, file, `v${size}\n`);
      git(['add', '.']);
      // Each run commits the same staged change, then undoes the commit (untimed), keeping the index.
      const cases = Object.entries(hooks).map(([label, args]) => ({
        label: `${size} file${size === 1 ? '' : 's'}, ${label}`,
        run: () => {
          const ms = timeCommand('git', args, { cwd: root, env });
          git(['reset', '-q', '--soft', 'HEAD~1']);
          return ms;
        },
      }));
      results.push({ size, summaries: await interleave(cases, ROUNDS) });
      git(['reset', '-q', '--hard']);
    }

    console.log('guard: git commit with 10,000 live leases in the store (none on the committed files)');
    for (const { size, summaries } of results) {
      const [baseline, ...guarded] = summaries;
      console.log();
      console.log(ratioTable(`commit of ${size} file${size === 1 ? '' : 's'}, ${ROUNDS} rounds each`, baseline!, guarded));
      const [hooksDir, huskyAlone, husky] = guarded as [Summary, Summary, Summary];
      const report = (row: Summary, base: Summary, what: string): void => {
        const added = row.median - base.median;
        const verdict =
          added <= AIM_MS
            ? `within the ${AIM_MS} ms aim`
            : added <= TARGET_MS
              ? `within the ${TARGET_MS} ms limit, above the ${AIM_MS} ms aim`
              : `OVER the ${TARGET_MS} ms limit`;
        console.log(`  ${what}: +${added.toFixed(1)} ms at the median (p95 +${(row.p95 - base.p95).toFixed(1)} ms): ${verdict}`);
      };
      report(hooksDir, baseline!, 'guard in .git/hooks vs no hook');
      report(husky, baseline!, 'guard through husky vs no hook');
      report(husky, huskyAlone, "guard's share within husky (vs husky running an empty pre-commit)");
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

runWhenMain(module, main);
