// As a user feels it, inside the real Claude Code: the time from the scripted model sending a
// Write of a new file to the request that carries its result, in a project set up by
// `agent-lease init --mcp`, in the same project with no hooks, and with init's command hooks for
// comparison (target: init --mcp's median <= 1.25x the one without hooks).
//
// The interval holds all that Claude Code does for a Write: parsing the streamed reply, the
// PreToolUse hooks (init --mcp: one mcp_tool call to the agent-lease server; command hooks: a
// process), the permission check, writing the file, PostToolUse and PostToolBatch (no agent-lease
// hook for a Write in either setup), and building and sending the next request; the scripted
// server reads and parses that request before the clock stops, alike for every project.
//
// Under a shared machine's load a Write takes anything from 25 to 300 ms, and the load drifts
// over seconds: sessions run one after the other (an earlier version of this benchmark) measured
// each project under a different load, and two runs gave 0.51x and 2.32x. So the sessions
// run side by side for the whole benchmark and take turns Write by Write: one Write of one session
// at a time (the others wait for their model's reply), the order rotating every turn, so that each
// Write of one project is measured within a few hundred milliseconds of the other projects'.
// The first Writes of every session are a warm-up, not measured: Claude Code's own first tool
// call, the MCP server's connection, the hooks' code caches. Each turn's ratio to the same turn
// without hooks is a paired sample; the figures are medians with their quartiles.
//
// Run: npm run build && node --import tsx bench/claude-code-writes.ts [measured Writes per session] [warm-up Writes]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claudeCodeCli, gate, installAgentLease, ScriptedModel, startClaude, within, type ClaudeRun, type Step } from '../test/support/claude-code';
import { runWhenMain } from './stats';

const BIN = join(__dirname, '..', 'dist', 'bin', 'agent-lease.js');

/**
 * The projects, each with its own session. Two take init --mcp's setup apart, to say where its
 * time goes: `hooks: 'removed'`, its settings' hooks taken out (the server still connected and its
 * tools offered: what init --mcp costs beside its hook calls); `hooks: 'no-op'`, its PreToolUse
 * hook calling the same tool about a Read, which the server answers without a decision (Claude
 * Code's mcp_tool hook path and the stdio round trip, without agent-lease's decision).
 */
const SETUPS: Array<{ label: string; init: string[] | null; hooks?: 'removed' | 'no-op' }> = [
  { label: 'no hooks', init: null },
  { label: 'init --mcp', init: ['--mcp'] },
  { label: 'init (command hooks)', init: [] },
  { label: 'the server, no hooks', init: ['--mcp'], hooks: 'removed' },
  { label: 'a no-op mcp_tool hook', init: ['--mcp'], hooks: 'no-op' },
];

function project(base: string, name: string, init: string[] | null, hooks?: 'removed' | 'no-op'): string {
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
  if (hooks !== undefined) {
    const file = join(root, '.claude', 'settings.json');
    const settings = JSON.parse(readFileSync(file, 'utf8')) as { hooks?: { PreToolUse: Array<{ hooks: Array<{ input: Record<string, string> }> }> } };
    if (hooks === 'removed') delete settings.hooks;
    else
      settings.hooks = {
        PreToolUse: settings.hooks!.PreToolUse.map((group) => ({
          ...group,
          hooks: group.hooks.map((h) => ({ ...h, input: { ...h.input, tool_name: 'Read' } })),
        })),
      };
    writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
  }
  return root;
}

/**
 * One session whose model answers request `n` with the Write of file `n` (the last with "done"),
 * each only when the benchmark lets it: `arrived(n)` resolves when request `n` has come in,
 * `send(n)` lets its answer go.
 */
function turnTakingSession(cli: string, root: string, home: string, writes: number) {
  const arrivals = Array.from({ length: writes + 1 }, () => gate<bigint>());
  const sends = Array.from({ length: writes + 1 }, () => gate());
  const step =
    (n: number): Step =>
    async () => {
      arrivals[n]!.open(process.hrtime.bigint());
      await sends[n]!.promise;
      return n < writes ? { tool: 'Write', input: { file_path: join(root, `src/f${n}.ts`), content: `export const f = ${n};\n` } } : { text: 'done' };
    };
  const model = new ScriptedModel(Array.from({ length: writes + 1 }, (_, n) => step(n)));
  let run: ClaudeRun | null = null;
  return {
    async start(): Promise<void> {
      run = startClaude({ cli, cwd: root, baseUrl: await model.start(), home, env: process.env, timeoutMs: 30 * 60_000 });
      void run.exited.then((exit) => {
        // A session that ends early would leave the benchmark waiting for a request that never comes.
        for (const arrival of arrivals) arrival.open(-1n);
        if (exit.code !== 0) console.error(`a session in ${root} exited ${exit.code}: ${exit.stderr.slice(0, 500)}`);
      });
    },
    /** Lets Write `n` go and returns the milliseconds until the request carrying its result came in. */
    async write(n: number): Promise<number> {
      const sentAt = process.hrtime.bigint();
      sends[n]!.open();
      const arrivedAt = await within(arrivals[n + 1]!.promise, `the request after Write ${n} in ${root}`, 5 * 60_000);
      if (arrivedAt < 0n || model.failure !== null) throw new Error(`the session in ${root} failed: ${String(model.failure ?? 'it exited')}`);
      return Number(arrivedAt - sentAt) / 1e6;
    },
    arrived: (n: number) => within(arrivals[n]!.promise, `request ${n} in ${root}`, 5 * 60_000),
    async finish(): Promise<void> {
      sends[writes]!.open();
      const exit = await run!.exited;
      await model.close();
      if (exit.code !== 0) throw new Error(`the session in ${root} failed (exit ${exit.code}): ${exit.stderr.slice(0, 500)}`);
    },
  };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function spread(samples: number[]): { median: number; q1: number; q3: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), q1: quantile(sorted, 0.25), q3: quantile(sorted, 0.75) };
}

export async function main(measured = 100, warmup = 4): Promise<void> {
  const cli = claudeCodeCli();
  if (cli === null) {
    console.log('Claude Code (@anthropic-ai/claude-code) is not installed: skipped');
    return;
  }
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'agent-lease-cc-bench-')));
  const writes = warmup + measured;
  try {
    const sessions = SETUPS.map(({ label, init, hooks }) => {
      const root = project(base, label.replace(/\W/g, ''), init, hooks);
      const home = join(base, `home-${label.replace(/\W/g, '')}`);
      mkdirSync(home);
      writeFileSync(join(home, '.claude.json'), JSON.stringify({ projects: { [root]: { hasTrustDialogAccepted: true } } }));
      return { label, ...turnTakingSession(cli, root, home, writes) };
    });
    for (const session of sessions) await session.start();
    for (const session of sessions) await session.arrived(0);
    const samples = sessions.map(() => [] as number[]);
    for (let n = 0; n < writes; n++) {
      // The order rotates, so that no project is always the one measured first in a turn.
      for (let k = 0; k < sessions.length; k++) {
        const i = (n + k) % sessions.length;
        const ms = await sessions[i]!.write(n);
        if (n >= warmup) samples[i]!.push(ms);
      }
    }
    for (const session of sessions) await session.finish();

    const none = samples[0]!;
    console.log(
      `Write to next request inside Claude Code: ${measured} Writes per project after ${warmup} of warm-up, the sessions taking turns Write by Write`,
    );
    console.log(`${'case'.padEnd(22)} median ms  quartiles ms    median of paired ratios (quartiles)`);
    for (const [i, { label }] of sessions.entries()) {
      const own = spread(samples[i]!);
      const paired = spread(samples[i]!.map((ms, turn) => ms / none[turn]!));
      console.log(
        `${label.padEnd(22)} ${own.median.toFixed(1).padStart(9)}  ${own.q1.toFixed(1)}–${own.q3.toFixed(1)}`.padEnd(48) +
          (i === 0 ? '(baseline)' : `${paired.median.toFixed(2)}x (${paired.q1.toFixed(2)}–${paired.q3.toFixed(2)})`),
      );
    }
    const mcp = spread(samples[1]!);
    const ratio = mcp.median / spread(none).median;
    const paired = spread(samples[1]!.map((ms, turn) => ms / none[turn]!)).median;
    console.log(
      `init --mcp: median ${ratio.toFixed(2)}x no hooks, paired ${paired.toFixed(2)}x (target 1.25x: ${Math.max(ratio, paired) <= 1.25 ? 'met' : 'MISSED'})`,
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

runWhenMain(module, () => main(Number(process.argv[2] ?? 100), Number(process.argv[3] ?? 4)));
