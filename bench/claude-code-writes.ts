// As a user feels it, inside the real Claude Code: the time from the scripted model sending a
// Write of a new file to the request that carries its result, in a project set up by
// `agent-lease init --mcp` and in the same project with no hooks, sessions alternating round by
// round, and with init's command hooks for comparison (target: the median over 20 Writes with init --mcp <= 1.25x the one without hooks).
//
// Run: npm run build && node --import tsx bench/claude-code-writes.ts [writes per session] [rounds]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claudeCodeCli, installAgentLease, ScriptedModel, startClaude, type Step } from '../test/support/claude-code';
import { ratioTable, runWhenMain, summarize } from './stats';

const BIN = join(__dirname, '..', 'dist', 'bin', 'agent-lease.js');

function project(base: string, name: string, init: string[] | null): string {
  const root = join(base, name);
  const git = (args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'ignore' });
  mkdirSync(root);
  git(['init', '-q', '-b', 'main']);
  writeFileSync(join(root, '.gitignore'), 'node_modules/\n');
  git(['add', '.']);
  git(['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', 'initial']);
  if (init !== null) {
    installAgentLease(root);
    execFileSync(process.execPath, [BIN, 'init', ...init], { cwd: root, stdio: 'ignore' });
  }
  return root;
}

/** One session writing `writes` new files; returns each Write's time to the next request, in ms. */
async function session(cli: string, root: string, home: string, writes: number, round: number): Promise<number[]> {
  const samples: number[] = [];
  let sentAt = 0;
  const write =
    (n: number): Step =>
    () => {
      if (n > 0) samples.push(Date.now() - sentAt);
      sentAt = Date.now();
      return n < writes ? { tool: 'Write', input: { file_path: join(root, `src/r${round}-f${n}.ts`), content: `export const f = ${n};\n` } } : { text: 'done' };
    };
  const model = new ScriptedModel(Array.from({ length: writes + 1 }, (_, n) => write(n)));
  try {
    const run = startClaude({ cli, cwd: root, baseUrl: await model.start(), home, env: process.env });
    const exit = await run.exited;
    if (exit.code !== 0 || samples.length !== writes)
      throw new Error(`the session failed (exit ${exit.code}, ${samples.length} writes): ${exit.stderr.slice(0, 500)}`);
    return samples;
  } finally {
    await model.close();
  }
}

export async function main(writes = 5, rounds = 4): Promise<void> {
  const cli = claudeCodeCli();
  if (cli === null) {
    console.log('Claude Code (@anthropic-ai/claude-code) is not installed: skipped');
    return;
  }
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'agent-lease-cc-bench-')));
  try {
    const projects: Record<string, string> = {
      'no hooks': project(base, 'plain', null),
      'init --mcp': project(base, 'mcp', ['--mcp']),
      'init (command hooks)': project(base, 'command', []),
    };
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(projects).map((label) => [label, []]));
    for (const [label, root] of Object.entries(projects)) {
      const home = join(base, `home-${label.replace(/\W/g, '')}`);
      mkdirSync(home);
      writeFileSync(join(home, '.claude.json'), JSON.stringify({ projects: { [root]: { hasTrustDialogAccepted: true } } }));
    }
    for (let round = 0; round < rounds; round++) {
      for (const [label, root] of Object.entries(projects)) {
        samples[label]!.push(...(await session(cli, root, join(base, `home-${label.replace(/\W/g, '')}`), writes, round)));
      }
    }
    const baseline = summarize('no hooks', samples['no hooks']!);
    const mcp = summarize('init --mcp', samples['init --mcp']!);
    const command = summarize('init (command hooks)', samples['init (command hooks)']!);
    console.log(ratioTable(`Write to next request inside Claude Code, ${baseline.n} Writes each, ${rounds} alternating rounds`, baseline, [mcp, command]));
    const ratio = mcp.median / baseline.median;
    console.log(`init --mcp: median ${ratio.toFixed(2)}x no hooks (target 1.25x: ${ratio <= 1.25 ? 'met' : 'MISSED'})`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

runWhenMain(module, () => main(Number(process.argv[2] ?? 5), Number(process.argv[3] ?? 4)));
