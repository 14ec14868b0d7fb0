// Stores in temporary directories with a controllable clock, and live or dead agent processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identify, type ProcessIdentity } from '../../lib/core/processes';
import { openStore } from '../../lib/core/sqlite';
import type { Store } from '../../lib/core/store';

export interface TestStore {
  store: Store;
  dir: string;
  path: string;
  clock: TestClock;
  cleanup(): Promise<void>;
}

/** A clock the test moves, starting at the same instant in every test. */
export interface TestClock {
  now: number;
  advance(ms: number): void;
}

export function testClock(): TestClock {
  const clock = {
    now: Date.UTC(2026, 10, 22, 12, 0, 0),
    advance(ms: number) {
      clock.now += ms;
    },
  };
  return clock;
}

export function makeStore(): TestStore {
  const dir = mkdtempSync(join(tmpdir(), 'agent-lease-store-'));
  const path = join(dir, 'state.db');
  const clock = testClock();
  const store = openStore({ path, now: () => clock.now });
  return {
    store,
    dir,
    path,
    clock,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A real process standing in for an agent: alive until `kill()`. */
export function startAgent(): { identity: ProcessIdentity; child: ChildProcess; kill(): Promise<void> } {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  const identity = identify(child.pid!);
  if (identity === null) throw new Error('could not identify the spawned agent process');
  return {
    identity,
    child,
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
