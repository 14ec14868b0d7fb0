// Shared by every benchmark: timing a command, summarising samples, and printing figures as
// ratios to a baseline measured in the same run (the machine is shared and noisy, so absolute
// numbers from different runs are not comparable).
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';

export interface Summary {
  label: string;
  n: number;
  median: number;
  p95: number;
  p99: number;
}

export function summarize(label: string, samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { label, n: sorted.length, median: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/** Wall time of one run of a command, in milliseconds; throws when it fails. */
export function timeCommand(command: string, args: string[], options: SpawnSyncOptions = {}): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['pipe', 'ignore', 'pipe'], ...options });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0 && result.status !== 2) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${String(result.stderr).trim()}`);
  }
  return elapsed;
}

/**
 * Runs each named case `rounds` times, interleaved round by round with every other case so that
 * load on the machine hits them all alike, and returns one summary per case.
 */
export async function interleave(cases: Array<{ label: string; run: () => number | Promise<number> }>, rounds: number): Promise<Summary[]> {
  const samples = cases.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, c] of cases.entries()) samples[i]!.push(await c.run());
  }
  return cases.map((c, i) => summarize(c.label, samples[i]!));
}

/** A table of summaries with each one's median and p95 as a ratio to the baseline's median. */
export function ratioTable(title: string, baseline: Summary, rows: Summary[]): string {
  const fmt = (ms: number): string => ms.toFixed(1).padStart(8);
  const ratio = (ms: number): string => `${(ms / baseline.median).toFixed(2)}x`.padStart(7);
  const width = Math.max(...[baseline, ...rows].map((s) => s.label.length));
  const lines = [
    title,
    `${'case'.padEnd(width)}  median ms   p95 ms  median/base  p95/base`,
    ...[baseline, ...rows].map((s) => `${s.label.padEnd(width)}  ${fmt(s.median)} ${fmt(s.p95)}      ${ratio(s.median)}   ${ratio(s.p95)}`),
  ];
  return lines.join('\n');
}

/** Runs a benchmark's `main` when its file is run on its own (not through bench/run.ts). */
export function runWhenMain(module: NodeModule, main: () => Promise<unknown>): void {
  if (require.main !== module) return;
  main().catch((error: unknown) => {
    process.exitCode = 1;
    console.error(error);
  });
}
