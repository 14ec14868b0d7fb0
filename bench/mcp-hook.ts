// The PreToolUse decision in-process: the MCP SDK's client calls the hook tool of a running
// `agent-lease mcp` over stdio (client → server → answer), as Claude Code's mcp_tool hook does,
// against the command hook (a node process fed the event JSON) in the same rounds, with 10,000
// live leases of 100 sessions. Targets: the in-process median <= 0.1x the command hook's, and
// <= 1 ms. The hook tool called for a Read (answered without a decision) is the round trip
// alone, and the hook tool's answer computed in this process (the server's code, no stdio) is the
// decision alone; with AGENT_LEASE_MAIN (a checkout of main, built) a server of main's build
// answers the same calls, the same rounds.
//
// A round runs the command hook once per case, then the server's calls in a block, back to back,
// as an agent's hook calls reach its server (nothing of agent-lease starts a process between
// them), then the decisions alone in a block of their own (this process writing the store between
// the server's calls would make every call the first after another writer's); the first call of each block, right after a process was spawned and ran, is reported
// apart ("after a spawn"): it comes to a server whose caches that process and the store's other
// writer have just cooled, and it is what the earlier version of this benchmark measured for
// every call.
//
// Run: npm run build && node --import tsx bench/mcp-hook.ts [rounds]  (or npm run bench mcp-hook)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { mcpHookInput } from '../lib/claude/hook-commands';
import { answerHook } from '../mcp/hook-tool';
import { acquire } from '../lib/core/acquire';
import { registerSession } from '../lib/core/sessions';
import { deferCheckpoints, openStore } from '../lib/core/sqlite';
import { checkpointOffThread } from '../lib/core/sqlite-checkpointer';
import { populateLeases } from './fixtures';
import { ratioTable, runWhenMain, summarize, timeCommand } from './stats';

const BIN = join(__dirname, '..', 'dist', 'bin', 'agent-lease.js');
const SESSION = 'bench-mcp-session';

export async function main(rounds = 100): Promise<void> {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'agent-lease-mcp-bench-')));
  const { NODE_EXTRA_CA_CERTS: _certs, ...env } = process.env as Record<string, string>;
  const client = new Client({ name: 'bench', version: '1' });
  const mainCheckout = process.env.AGENT_LEASE_MAIN;
  const mainClient = mainCheckout === undefined ? null : new Client({ name: 'bench-main', version: '1' });
  try {
    const root = join(base, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', root]);
    writeFileSync(join(root, 'README.md'), 'bench\n');
    execFileSync('git', ['-C', root, 'add', '.']);
    execFileSync('git', ['-C', root, '-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', 'initial']);
    const store = openStore({ path: join(root, '.git', 'agent-lease', 'state.db') });
    await populateLeases(store, 10_000);
    await registerSession(store, { id: SESSION, runtime: 'claude-code', worktree: root, branch: 'main' });
    await registerSession(store, { id: 'bench-holder', runtime: 'cli' });
    await acquire(store, 'bench-holder', ['src/held.ts'], { ttlMs: 6 * 3_600_000, task: 'bench' });
    await store.close();

    const input = (file: string, toolName = 'Edit') => ({
      session_id: SESSION,
      cwd: root,
      hook_event_name: 'PreToolUse',
      tool_name: toolName,
      tool_input: { file_path: join(root, file), old_string: 'a', new_string: 'b' },
    });
    // The tool's arguments as Claude Code fills init's template: a field it lacks is "", an object its JSON.
    const toolArgs = (file: string, toolName?: string) => {
      const event = input(file, toolName) as Record<string, unknown>;
      return Object.fromEntries(
        Object.entries(mcpHookInput('pre-tool-use')).map(([key, template]) => {
          const field = /^\$\{(\w+)\}$/.exec(template)?.[1];
          const value = field === undefined ? template : event[field];
          return [key, value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)];
        }),
      );
    };
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], cwd: root, env }));
    const mainBin = mainCheckout === undefined ? '' : join(mainCheckout, 'dist', 'bin', 'agent-lease.js');
    await mainClient?.connect(new StdioClientTransport({ command: process.execPath, args: [mainBin, 'mcp'], cwd: root, env }));
    const timedCall = async (caller: Client, file: string, toolName?: string): Promise<number> => {
      const started = process.hrtime.bigint();
      await caller.callTool({ name: 'hook', arguments: toolArgs(file, toolName) });
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const viaMcp = (file: string): Promise<number> => timedCall(client, file);
    // The decisions alone have their checkpoints made as the server has them made.
    deferCheckpoints(checkpointOffThread().request);
    const inProcess = async (file: string): Promise<number> => {
      const started = process.hrtime.bigint();
      await answerHook(toolArgs(file));
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const viaCommand = (file: string): number => timeCommand(process.execPath, [BIN, 'hook', 'pre-tool-use'], { input: JSON.stringify(input(file)), env });

    const cases = [
      { label: 'renewed', file: 'src/a.ts' },
      { label: 'denied', file: 'src/held.ts' },
    ];
    const samples = new Map<string, number[]>();
    const sample = (label: string, ms: number): void => {
      if (!samples.has(label)) samples.set(label, []);
      samples.get(label)!.push(ms);
    };
    let fresh = 0;
    const newFile = (): string => `src/new-${fresh++}.ts`;
    for (const { file } of cases) {
      viaCommand(file);
      await viaMcp(file);
    }
    const BLOCK = 5;
    for (let round = 0; round < rounds; round++) {
      for (const { label, file } of cases) sample(`command hook, ${label}`, viaCommand(file));
      sample('command hook, granted', viaCommand(newFile()));
      sample('mcp hook tool, renewed, after a spawn', await viaMcp(cases[0]!.file));
      for (let call = 0; call < BLOCK; call++) {
        for (const { label, file } of cases) {
          sample(`mcp hook tool, ${label}`, await viaMcp(file));
          if (mainClient !== null) sample(`main's mcp hook tool, ${label}`, await timedCall(mainClient, file));
        }
        sample('mcp hook tool, a Read (round trip alone)', await timedCall(client, 'README.md', 'Read'));
        sample('mcp hook tool, granted', await viaMcp(newFile()));
        if (mainClient !== null) sample("main's mcp hook tool, granted", await timedCall(mainClient, newFile()));
      }
      for (let call = 0; call < BLOCK; call++) {
        for (const { label, file } of cases) sample(`decision alone, ${label}`, await inProcess(file));
        sample('decision alone, granted', await inProcess(newFile()));
      }
    }
    const rows = [...samples].map(([label, values]) => summarize(label, values));
    const commandRows = rows.filter((row) => row.label.startsWith('command'));
    const mcpRows = rows.filter((row) => row.label.startsWith('mcp') && !row.label.includes('Read') && !row.label.includes('spawn'));
    const baseline = commandRows.find((row) => row.label.endsWith('renewed'))!;
    console.log(
      ratioTable(
        `PreToolUse at 10,000 live leases, ${rounds} rounds, the server's calls ${BLOCK} to a block (baseline: the command hook, renewed)`,
        baseline,
        rows.filter((row) => row !== baseline),
      ),
    );
    for (const kind of ['renewed', 'denied', 'granted']) {
      const command = commandRows.find((row) => row.label.endsWith(kind))!;
      const mcp = mcpRows.find((row) => row.label.endsWith(kind))!;
      const alone = rows.find((row) => row.label === `decision alone, ${kind}`)!;
      const ratio = mcp.median / command.median;
      console.log(
        `${kind}: in-process median ${mcp.median.toFixed(3)} ms = ${ratio.toFixed(3)}x the command hook's ${command.median.toFixed(1)} ms ` +
          `(targets <= 0.1x: ${ratio <= 0.1 ? 'met' : 'MISSED'}; <= 1 ms: ${mcp.median <= 1 ? 'met' : 'MISSED'}); the decision alone ${alone.median.toFixed(3)} ms`,
      );
    }
    const roundTrip = rows.find((row) => row.label.includes('Read'))!;
    console.log(`the round trip alone (a Read, no decision): median ${roundTrip.median.toFixed(3)} ms`);
  } finally {
    await mainClient?.close();
    await client.close();
    rmSync(base, { recursive: true, force: true });
  }
}

runWhenMain(module, () => main(Number(process.argv[2] ?? 100)));
