// Checkpoints for a resident process (the MCP server), made on a thread of their own. A new
// lease's checkpoint copies the WAL into the main file with two fsyncs, milliseconds on a busy
// disk: made on the server's own thread after an answer, it held up the next call that came in
// meanwhile (an agent's parallel edits come back to back). The thread opens its own connection for
// each checkpoint; SQLite lets a checkpoint run beside the server's transactions. A burst of new
// leases gets one checkpoint, once it pauses. Should the thread fail, checkpoints are made on the
// main thread again, after the answer.
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { nativeAddonPath, type SqliteStore } from './sqlite';

export interface CheckpointRequest {
  path: string;
  nativeBinding: string | undefined;
}

// The thread's own source, compiled (.js) or as run under a TypeScript loader (.ts), which the worker inherits.
const THREAD = join(__dirname, `sqlite-checkpoint-thread${extname(__filename)}`);

/** How long the requests must pause before a checkpoint is made, and how long after the first it is made at the latest. */
export const CHECKPOINT_QUIET_MS = 150;
export const CHECKPOINT_AT_LATEST_MS = 2000;

export interface Checkpointer {
  /** For deferCheckpoints: asks for a checkpoint of `store`. */
  request(store: SqliteStore): void;
  /** Makes the checkpoints still waiting for their pause, here and now: for a process about to exit. */
  flush(): void;
}

/** Each store's checkpoints, one at a time, off this thread (`thread`: its source). */
export function checkpointOffThread(thread = THREAD): Checkpointer {
  let worker: Worker | null = null;
  let failed = false;
  /** Stores whose checkpoint is being made, and those asked for again meanwhile (the new commit may be after it). */
  const running = new Map<string, SqliteStore>();
  const again = new Set<string>();
  const start = (store: SqliteStore): void => {
    running.set(store.path, store);
    worker ??= startThread();
    worker.postMessage({ path: store.path, nativeBinding: nativeAddonPath() } satisfies CheckpointRequest);
  };
  const startThread = (): Worker => {
    const started = new Worker(thread);
    started.on('message', (path: string) => {
      const store = running.get(path);
      running.delete(path);
      if (store !== undefined && again.delete(path)) start(store);
    });
    // A thread that failed to start or died: its error (if any) is emitted, then its exit.
    started.on('error', () => undefined);
    started.on('exit', () => {
      failed = true;
      worker = null;
      for (const store of running.values()) setImmediate(() => store.checkpoint());
      running.clear();
      again.clear();
    });
    // After its listeners: the thread must not keep the server alive once its client has gone.
    started.unref();
    return started;
  };
  const make = (store: SqliteStore): void => {
    if (failed) store.checkpoint();
    else if (running.has(store.path)) again.add(store.path);
    else start(store);
  };
  // Once the new leases asking for one have paused: a checkpoint beside the next call slows it
  // down (the thread's wake-up and the fsyncs, on two cores), and an agent's edits come in bursts.
  const waiting = new Map<string, { store: SqliteStore; timer: NodeJS.Timeout; since: number }>();
  return {
    request(store) {
      const pending = waiting.get(store.path);
      if (pending !== undefined) {
        if (performance.now() - pending.since < CHECKPOINT_AT_LATEST_MS - CHECKPOINT_QUIET_MS) pending.timer.refresh();
        return;
      }
      const timer = setTimeout(() => {
        waiting.delete(store.path);
        make(store);
      }, CHECKPOINT_QUIET_MS);
      timer.unref();
      waiting.set(store.path, { store, timer, since: performance.now() });
    },
    flush() {
      for (const { store, timer } of waiting.values()) {
        clearTimeout(timer);
        store.checkpoint();
      }
      waiting.clear();
    },
  };
}
