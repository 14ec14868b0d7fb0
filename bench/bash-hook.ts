// PreToolUse for Bash against PreToolUse for an Edit, measured in the same interleaved rounds: 2 KB
// commands — a heredoc writing one file (what a Write does), a heredoc then sed -i, cp and reads
// (four files), the same denied for a held file, and one that only reads. Leases are renewed after
// the first round, as the Edit's is. Target: each Bash case's median <=
// 1.2x the Edit's. With AGENT_LEASE_MAIN (a checkout of main, built), the Edit through main's build
// too: this work must leave the Edit path as it was (target: 1.0x, within the noise).
//
// Run: npm run build && node --import tsx bench/bash-hook.ts [rounds]  (or npm run bench bash-hook)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquire } from '../lib/core/acquire';
import { registerSession } from '../lib/core/sessions';
import { openStore } from '../lib/core/sqlite';
import { populateLeases, preToolUseInput } from './fixtures';
import { interleave, ratioTable, runWhenMain, timeCommand } from './stats';

const BIN = join(__dirname, '..', 'dist', 'bin', 'agent-lease.js');
const SESSION = 'bench-bash-session';
const COMMAND_BYTES = 2048;

/** A command of `COMMAND_BYTES` as an agent writes one: a new module through a heredoc, then edits and checks. */
export function twoKilobyteCommand(writes: { held: boolean }): string {
  const tail = `EOF\nsed -i 's/oldName/newName/g' src/a.ts src/b.ts && cp src/a.ts src/a.backup.ts${writes.held ? ' && echo done >> src/held.ts' : ''}\ngrep -n newName src/*.ts | head -20 && git diff --stat && ls -la src\n`;
  const head = "cat > src/generated.ts <<'EOF'\n";
  let body = '';
  for (let i = 0; ; i++) {
    const line = `export const value${i} = compute('${i}', { retries: ${i % 5} });\n`;
    if (head.length + body.length + line.length + tail.length > COMMAND_BYTES - 4) break;
    body += line;
  }
  const padding = COMMAND_BYTES - head.length - body.length - tail.length - 1;
  return `${head}${body}${'/'.repeat(padding)}\n${tail}`;
}

/** The most common 2 KB command: a file written whole through a heredoc, as a Write would. */
function heredocCommand(): string {
  const head = "cat > src/generated.ts <<'EOF'\n";
  const line = "export const value = compute('x', { retries: 3 });\n";
  const lines = line.repeat(Math.floor((COMMAND_BYTES - head.length - 4) / line.length));
  return `${head}${lines}${'/'.repeat(COMMAND_BYTES - head.length - lines.length - 5)}\nEOF\n`;
}

function readOnlyCommand(): string {
  let command = 'cd src';
  for (let i = 0; command.length < COMMAND_BYTES - 40; i++) command += ` && grep -rn "value${i}" . | head -3 && cat a.ts | wc -l`;
  return `${command} && git status --short`;
}

async function makeRepo(base: string): Promise<string> {
  const root = join(base, 'repo');
  mkdirSync(join(root, 'src'), { recursive: true });
  const git = (args: string[]): void => void execFileSync('git', args, { cwd: root, stdio: 'ignore' });
  git(['init', '-q', '-b', 'main']);
  for (const file of ['a.ts', 'b.ts', 'held.ts']) writeFileSync(join(root, 'src', file), 'export const oldName = 1;\n');
  git(['add', '.']);
  git(['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', 'initial']);
  const store = openStore({ path: join(root, '.git', 'agent-lease', 'state.db') });
  await populateLeases(store, 1_000);
  await registerSession(store, { id: SESSION, runtime: 'claude-code', worktree: root, branch: 'main' });
  await registerSession(store, { id: 'bench-holder', runtime: 'cli' });
  await acquire(store, 'bench-holder', ['src/held.ts'], { ttlMs: 6 * 3_600_000, task: 'bench' });
  await store.close();
  return root;
}

function hookInput(root: string, toolName: string, toolInput: Record<string, unknown>): string {
  return preToolUseInput(SESSION, root, toolName, toolInput);
}

export async function main(rounds = 30): Promise<void> {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'agent-lease-bash-bench-')));
  try {
    const root = await makeRepo(base);
    const { NODE_EXTRA_CA_CERTS: _certs, ...env } = process.env;
    const hook = (bin: string, input: string) => () => timeCommand(process.execPath, [bin, 'hook', 'pre-tool-use'], { input, env });
    const edit = hookInput(root, 'Edit', { file_path: join(root, 'src', 'a.ts'), old_string: 'a', new_string: 'b', replace_all: false });
    const bash = (command: string) => hookInput(root, 'Bash', { command, description: 'bench' });
    const cases = [
      { label: 'Edit (this build)', run: hook(BIN, edit) },
      { label: `Bash ${COMMAND_BYTES} B heredoc, 1 file leased`, run: hook(BIN, bash(heredocCommand())) },
      { label: `Bash ${COMMAND_BYTES} B, 4 files leased`, run: hook(BIN, bash(twoKilobyteCommand({ held: false }))) },
      { label: `Bash ${COMMAND_BYTES} B, denied (a held file)`, run: hook(BIN, bash(twoKilobyteCommand({ held: true }))) },
      { label: `Bash ${COMMAND_BYTES} B, reads only`, run: hook(BIN, bash(readOnlyCommand())) },
    ];
    const mainCheckout = process.env.AGENT_LEASE_MAIN;
    if (mainCheckout) cases.push({ label: "Edit (main's build)", run: hook(join(mainCheckout, 'dist', 'bin', 'agent-lease.js'), edit) });
    for (const c of cases) c.run();

    const [baseline, ...rows] = await interleave(cases, rounds);
    console.log(ratioTable(`PreToolUse wall time, ${rounds} interleaved rounds, 1,000 leases (target: Bash median <= 1.2x the Edit's)`, baseline!, rows));
    for (const row of rows) {
      const ratio = row.median / baseline!.median;
      const target = row.label.startsWith('Bash') ? 1.2 : 1.05;
      console.log(`${row.label}: median ${ratio.toFixed(2)}x the Edit (target ${target}x: ${ratio <= target ? 'met' : 'MISSED'})`);
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

runWhenMain(module, () => main(Number(process.argv[2] ?? 30)));
