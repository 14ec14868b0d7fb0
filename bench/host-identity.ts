// The cost of knowing which host this is (lib/core/host.ts), paid once by every hook process: the
// first `currentHostId()` of a fresh process (on Linux two reads of /proc), against the host name
// alone (`os.hostname()`, what it replaced) as the baseline, each timed in a new node process
// loading the compiled module, interleaved round by round. The timer and the file system are used
// once before (a hook has read /proc for its agent process by then), so that their first-use
// costs are not counted. Figures in microseconds.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { interleave, runWhenMain } from './stats';

const HOST_MODULE = resolve(__dirname, '..', 'dist', 'lib', 'core', 'host.js');
const ROUNDS = 40;

/** Microseconds of `call` as the first thing a fresh process does after loading the module. */
function firstCallMicros(call: string, before = ''): number {
  const script = `const host = require(${JSON.stringify(HOST_MODULE)}); const os = require('node:os');
require('node:fs').readFileSync('/proc/self/stat'); process.hrtime.bigint(); ${before};
const started = process.hrtime.bigint(); ${call}; const elapsed = process.hrtime.bigint() - started;
process.stdout.write(String(Number(elapsed) / 1000));`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, AGENT_LEASE_TEST_HOST: '' } });
  if (result.status !== 0) throw new Error(`host identity bench: ${result.stderr.trim()}`);
  return Number(result.stdout);
}

export async function main(): Promise<void> {
  const rows = await interleave(
    [
      { label: 'os.hostname() (baseline)', run: () => firstCallMicros('os.hostname()') },
      { label: 'currentHostId() + currentHostName()', run: () => firstCallMicros('host.currentHostId(); host.currentHostName()') },
      // What a hook pays: identifying its agent process has read the boot id already.
      { label: 'the same, boot id read before', run: () => firstCallMicros('host.currentHostId(); host.currentHostName()', 'host.linuxBootId()') },
      { label: 'currentHostId() again (cached)', run: () => firstCallMicros('host.currentHostId()', 'host.currentHostId()') },
    ],
    ROUNDS,
  );
  const base = rows[0]!.median;
  console.log(`host identity, first call in a fresh process (${ROUNDS} rounds), microseconds`);
  for (const row of rows) {
    console.log(
      `${row.label.padEnd(38)} median ${row.median.toFixed(1).padStart(7)}  p95 ${row.p95.toFixed(1).padStart(7)}  ${(row.median / base).toFixed(2)}x`,
    );
  }
}

runWhenMain(module, main);
