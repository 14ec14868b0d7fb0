// Team mode's figures, PostgreSQL on loopback with SQLite beside it, each table as ratios to a
// baseline measured in the same run (docs/team-mode.md reads them):
//   1. acquire + release cycles from 1, 16 and 64 processes, half on each of two simulated hosts
//      (AGENT_LEASE_TEST_HOST), each on files of its own: cycles a second, the latency of one, how
//      long connecting and the first write took, and the failures counted by kind; on SQLite, on
//      PostgreSQL directly and through PgBouncer in transaction pooling mode;
//   2. PreToolUse through the command hook (a node process per call) and through the resident MCP
//      server's hook tool, at 10,000 live leases;
//   3. an acquire (granted, and denied) at 100,000 live leases against an empty store.
//
// Run: npm run build && node --import tsx bench/team-mode.ts [seconds per throughput run] [rounds] [parts: throughput,pre-tool-use,many-leases]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { mcpHookInput } from '../lib/claude/hook-commands';
import { acquire } from '../lib/core/acquire';
import { indexPrefix } from '../lib/core/globs';
import { release } from '../lib/core/release';
import { registerSession } from '../lib/core/sessions';
import { openStore } from '../lib/core/sqlite';
import { run, type SqlValue, type Store } from '../lib/core/store';
import { normalizeRemoteUrl } from '../lib/git/identity';
import { openPostgresStore } from '../lib/postgres/store';
import { startPgBouncer } from '../test/support/pgbouncer';
import { startPostgres } from '../test/support/postgres';
import { preToolUseInput } from './fixtures';
import { ratioTable, runWhenMain, type Summary, summarize, timeCommand } from './stats';

const BIN = join(__dirname, '..', 'dist', 'bin', 'agent-lease.js');
const WORKER = join(__dirname, 'team-worker.cjs');
type Engine = 'sqlite' | 'postgres';
const ENGINES: Engine[] = ['sqlite', 'postgres'];
const POOLED = 'pgbouncer';
/** PgBouncer's server connections: enough for the writers waiting their turn at the lock and the readers beside them. */
const POOL_SIZE = 16;

export async function main(seconds = 4, rounds = 60, parts = 'throughput,pre-tool-use,many-leases'): Promise<void> {
  const server = await startPostgres();
  const pooler = await startPgBouncer(server, { poolSize: POOL_SIZE });
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'agent-lease-team-bench-')));
  const chosen = parts.split(',');
  try {
    if (chosen.includes('throughput')) await throughput({ sqlite: '', postgres: server.url, [POOLED]: pooler.url }, base, seconds * 1000);
    if (chosen.includes('pre-tool-use')) await preToolUse(server.url, base, rounds);
    if (chosen.includes('many-leases')) await manyLeases(server.url, base, rounds * 3);
  } finally {
    pooler.stop();
    server.stop();
    rmSync(base, { recursive: true, force: true });
  }
}

/** Where an engine's store of `name` is, as team-worker.cjs takes it. */
function location(engine: Engine | typeof POOLED, url: string, base: string, name: string): string {
  return engine === 'sqlite' ? join(base, `${name}.db`) : `${url}#${encodeURIComponent(`bench.invalid/${name}`)}`;
}

function openAt(where: string): Store {
  if (!where.startsWith('postgres://')) return openStore({ path: where });
  const url = new URL(where);
  const repository = decodeURIComponent(url.hash.slice(1));
  url.hash = '';
  return openPostgresStore({ url: url.toString(), repository });
}

/** What a failure was, from its code: the figures count each kind apart. */
const FAILURE_KINDS: ReadonlyArray<[kind: string, codes: string[]]> = [
  ['connect timeout', ['CONNECT_TIMEOUT']],
  ['too many connections', ['53300']],
  ['refused', ['ECONNREFUSED']],
  ['authentication', ['28P01', '28000']],
  ['lock wait', ['55P03']],
  ['statement timeout', ['57014']],
  ['no answer', ['TIMEOUT']],
];

interface Failure {
  phase: 'connect' | 'register' | 'cycle';
  code: string | null;
  message: string;
}

function failureKind(failure: Failure): string {
  return FAILURE_KINDS.find(([, codes]) => codes.includes(failure.code ?? ''))?.[0] ?? `other (${failure.code ?? failure.message})`;
}

/** `failures` counted by phase and kind, as `connect: 3 connect timeout; cycle: 1 statement timeout`. */
function failureCounts(failures: Failure[]): string {
  const counts = new Map<string, number>();
  for (const failure of failures) {
    const key = `${failure.phase}: ${failureKind(failure)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${n} ${key}`).join('; ') || '-';
}

async function throughput(urls: Record<Engine | typeof POOLED, string>, base: string, durationMs: number): Promise<void> {
  const rows: Array<Summary & { perSecond: number; failures: Failure[]; connect: Summary; register: Summary }> = [];
  for (const engine of [...ENGINES, POOLED] as const) {
    for (const processes of [1, 16, 64]) {
      const where = location(engine, urls[engine], base, `throughput-${engine === POOLED ? 'pooled-' : ''}${processes}`);
      const store = openAt(where);
      await registerSession(store, { id: 'setup', runtime: 'cli' });
      await store.close();
      // Every process is started and registered (its first connection) before the clock starts.
      const workers = Array.from({ length: processes }, (_, i) => startWorker(where, `p${i}`, durationMs, i % 2 === 0 ? 'host-a' : 'host-b'));
      await Promise.all(workers.map((w) => w.ready));
      const startAt = Date.now() + 200;
      for (const w of workers) w.start(startAt);
      const results = await Promise.all(workers.map((w) => w.done));
      const latencies = results.flatMap((result) => result.latencies);
      const failures = results.flatMap((result) => result.errors);
      const label = `${engine}, ${processes} process(es)`;
      rows.push({
        ...summarize(label, latencies),
        perSecond: latencies.length / (durationMs / 1000),
        failures,
        connect: summarize(
          label,
          results.map((result) => result.connectMs),
        ),
        register: summarize(
          label,
          results.map((result) => result.registerMs),
        ),
      });
      console.log(`(${label}: ${latencies.length} cycles, ${failures.length} failed${failures.length > 0 ? `, first: ${failures[0]!.message}` : ''})`);
    }
  }
  const baseline = rows[0]!;
  const fmt = (ms: number | undefined): string => (ms === undefined ? '-' : ms.toFixed(2)).padStart(8);
  console.log(`acquire + release cycles, ${durationMs / 1000} s each, processes alternating between two simulated hosts (baseline: sqlite, 1 process)`);
  console.log('case                       cycles/s  /base   median ms   p99 ms  p99/base  connect p50/p99 ms  register p50/p99 ms  failed');
  for (const row of rows) {
    console.log(
      `${row.label.padEnd(25)} ${row.perSecond.toFixed(0).padStart(9)}  ${(row.perSecond / baseline.perSecond).toFixed(2).padStart(5)}x ${fmt(row.median)} ${fmt(row.p99)}  ${row.n === 0 ? '      -' : (row.p99 / baseline.p99).toFixed(2).padStart(7)}x  ${fmt(row.connect.median)} ${fmt(row.connect.p99)}  ${fmt(row.register.median)} ${fmt(row.register.p99)}  ${failureCounts(row.failures)}`,
    );
  }
}

interface WorkerResult {
  latencies: number[];
  errors: Failure[];
  /** How long its first read (connecting) took, then its first write (registering). */
  connectMs: number;
  registerMs: number;
}

interface Worker {
  ready: Promise<void>;
  start(at: number): void;
  done: Promise<WorkerResult>;
}

function startWorker(where: string, session: string, durationMs: number, host: string): Worker {
  const child = spawn(process.execPath, [WORKER, where, session, String(durationMs)], {
    env: { ...process.env, AGENT_LEASE_TEST_HOST: host },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let signalReady: () => void;
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith('ready\n')) signalReady();
  });
  const done = new Promise<WorkerResult>((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.slice('ready\n'.length))) : reject(new Error(`${session} exited ${code}`)))),
  );
  return { ready, start: (at) => child.stdin.end(`${at}\n`), done };
}

/**
 * `total` live leases over 100 command-line sessions, the mix bench/fixtures.ts populates (four in
 * five exact files, one in five a glob, over 200 packages), written in batches of multi-row
 * inserts: through acquire, 100,000 leases on PostgreSQL would take minutes of round trips.
 */
async function populate(store: Store, total: number): Promise<void> {
  const sessions = 100;
  const now = Date.now();
  const ttl = 6 * 3_600_000;
  for (let s = 0; s < sessions; s++) await registerSession(store, { id: `bench-${s}`, runtime: 'cli', worktree: `/bench/wt-${s}`, branch: `b${s}` });
  const rows: SqlValue[][] = [];
  for (let n = 0; n < total; n++) {
    const dir = `pkg${n % 200}/src/m${n % 7}`;
    const glob = n % 5 === 4;
    const pattern = glob ? `${dir}/**/*.gen${n}.ts` : `${dir}/file${n}.ts`;
    rows.push([`bench-${n % sessions}`, pattern, glob ? 1 : 0, indexPrefix({ pattern, glob }), 'exclusive', 'claim', now, ttl, now + ttl]);
  }
  const columns = '(session_id, pattern, glob, prefix, mode, source, acquired_at, ttl_ms, expires_at)';
  for (let start = 0; start < rows.length; start += 500) {
    const batch = rows.slice(start, start + 500);
    await store.write(function* () {
      yield* run(`INSERT INTO leases ${columns} VALUES ${batch.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`, ...batch.flat());
    });
  }
}

async function preToolUse(url: string, base: string, rounds: number): Promise<void> {
  const root = join(base, 'repo');
  execFileSync('git', ['init', '-q', '-b', 'main', root]);
  writeFileSync(join(root, 'README.md'), 'bench\n');
  execFileSync('git', ['-C', root, 'add', '.']);
  execFileSync('git', ['-C', root, '-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', 'initial']);
  const remote = 'git@example.com:bench/pre-tool-use.git';
  execFileSync('git', ['-C', root, 'remote', 'add', 'origin', remote]);
  const { NODE_EXTRA_CA_CERTS: _certs, AGENT_LEASE_DB: _db, AGENT_LEASE_STORE: _store, ...plain } = process.env as Record<string, string>;
  const envs: Record<Engine, NodeJS.ProcessEnv> = { sqlite: plain, postgres: { ...plain, AGENT_LEASE_STORE: url } };
  const stores: Record<Engine, Store> = {
    sqlite: openStore({ path: join(root, '.git', 'agent-lease', 'state.db') }),
    postgres: openPostgresStore({ url, repository: normalizeRemoteUrl(remote, root)! }),
  };
  for (const engine of ENGINES) {
    await populate(stores[engine], 10_000);
    await registerSession(stores[engine], { id: 'bench-holder', runtime: 'cli' });
    await acquire(stores[engine], 'bench-holder', ['src/held.ts'], { ttlMs: 6 * 3_600_000, task: 'bench' });
    await stores[engine].close();
  }
  const session = 'bench-team-session';
  const input = (file: string): string => preToolUseInput(session, root, 'Edit', { file_path: join(root, file), old_string: 'a', new_string: 'b' });
  const clients = new Map<Engine, Client>();
  try {
    for (const engine of ENGINES) {
      const client = new Client({ name: 'bench', version: '1' });
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], cwd: root, env: envs[engine] as Record<string, string> }));
      clients.set(engine, client);
    }
    const toolArgs = (file: string): Record<string, string> => {
      const event = JSON.parse(input(file)) as Record<string, unknown>;
      return Object.fromEntries(
        Object.entries(mcpHookInput('pre-tool-use')).map(([key, template]) => {
          const field = /^\$\{(\w+)\}$/.exec(template)?.[1];
          const value = field === undefined ? template : event[field];
          return [key, value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)];
        }),
      );
    };
    const viaMcp = async (engine: Engine, file: string): Promise<number> => {
      const started = process.hrtime.bigint();
      await clients.get(engine)!.callTool({ name: 'hook', arguments: toolArgs(file) });
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const viaCommand = (engine: Engine, file: string): number =>
      timeCommand(process.execPath, [BIN, 'hook', 'pre-tool-use'], { input: input(file), env: envs[engine] });
    const samples = new Map<string, number[]>();
    const add = (label: string, ms: number): void => void samples.set(label, [...(samples.get(label) ?? []), ms]);
    for (const engine of ENGINES) {
      viaCommand(engine, 'src/a.ts');
      await viaMcp(engine, 'src/a.ts');
    }
    let fresh = 0;
    for (let round = 0; round < rounds; round++) {
      add('node -e 0', timeCommand(process.execPath, ['-e', '0'], { env: plain }));
      for (const engine of ENGINES) {
        add(`command hook, ${engine}, renewed`, viaCommand(engine, 'src/a.ts'));
        add(`command hook, ${engine}, denied`, viaCommand(engine, 'src/held.ts'));
        add(`command hook, ${engine}, granted`, viaCommand(engine, `src/new-${fresh++}.ts`));
        add(`mcp hook tool, ${engine}, renewed`, await viaMcp(engine, 'src/a.ts'));
        add(`mcp hook tool, ${engine}, denied`, await viaMcp(engine, 'src/held.ts'));
        add(`mcp hook tool, ${engine}, granted`, await viaMcp(engine, `src/new-${fresh++}.ts`));
      }
    }
    const rows = [...samples].map(([label, values]) => summarize(label, values));
    const baseline = rows.find((row) => row.label === 'command hook, sqlite, renewed')!;
    console.log(
      ratioTable(
        `\nPreToolUse at 10,000 live leases, ${rounds} interleaved rounds (baseline: the command hook on SQLite, renewed)`,
        baseline,
        rows.filter((row) => row !== baseline),
      ),
    );
  } finally {
    for (const client of clients.values()) await client.close();
  }
}

async function manyLeases(url: string, base: string, rounds: number): Promise<void> {
  const rows: Summary[] = [];
  for (const engine of ENGINES) {
    for (const total of [0, 100_000]) {
      const store = openAt(location(engine, url, base, `many-${total}`));
      const started = Date.now();
      await populate(store, total);
      if (total > 0) console.log(`\n(${engine}: ${total} leases written in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
      await registerSession(store, { id: 'asker', runtime: 'cli' });
      const granted: number[] = [];
      const denied: number[] = [];
      const held = total > 0 ? ['pkg3/src/m3/file3.ts'] : [];
      if (total === 0) {
        await registerSession(store, { id: 'bench-0', runtime: 'cli' });
        await acquire(store, 'bench-0', ['pkg3/src/m3/file3.ts'], { ttlMs: 6 * 3_600_000 });
      }
      for (let round = 0; round < rounds; round++) {
        let at = process.hrtime.bigint();
        const result = await acquire(store, 'asker', [`pkg${round % 200}/src/m${round % 7}/new${round}.ts`], { source: 'edit' });
        granted.push(Number(process.hrtime.bigint() - at) / 1e6);
        if (!result.ok) throw new Error('a fresh file was denied');
        await release(store, 'asker', { tokens: [result.granted[0]!.token] });
        at = process.hrtime.bigint();
        const conflict = await acquire(store, 'asker', held.length > 0 ? held : ['pkg3/src/m3/file3.ts'], { source: 'edit' });
        denied.push(Number(process.hrtime.bigint() - at) / 1e6);
        if (conflict.ok) throw new Error('a held file was granted');
      }
      rows.push(summarize(`${engine}, ${total.toLocaleString('en')} live leases, granted`, granted));
      rows.push(summarize(`${engine}, ${total.toLocaleString('en')} live leases, denied`, denied));
      await store.close();
    }
  }
  const baseline = rows[0]!;
  console.log(ratioTable(`\nacquire in-process, ${rounds} rounds (baseline: sqlite, empty store, granted)`, baseline, rows.slice(1)));
}

runWhenMain(module, () => main(Number(process.argv[2] ?? 4), Number(process.argv[3] ?? 60), process.argv[4]));
