// Checkpoints for a resident process (the MCP server), made on a thread of their own. A new
// lease's checkpoint copies the WAL into the main file with two fsyncs, milliseconds on a busy
// disk: made on the server's own thread after an answer, it held up the next call that came in
// meanwhile (an agent's parallel edits come back to back). The thread opens its own connection for
// each checkpoint; SQLite lets a checkpoint run beside the server's transactions. Should the
// thread fail, checkpoints are made on the main thread again, after the answer.
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { nativeAddonPath, type SqliteStore } from './sqlite';

export interface CheckpointRequest {
  path: string;
  nativeBinding: string | undefined;
}

// The thread's own source, compiled (.js) or as run under a TypeScript loader (.ts), which the worker inherits.
const THREAD = join(__dirname, `sqlite-checkpoint-thread${extname(__filename)}`);

/** A function to give deferCheckpoints: each store's checkpoints, one at a time, off this thread (`thread`: its source). */
export function checkpointOffThread(thread = THREAD): (store: SqliteStore) => void {
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
  return (store) => {
    if (failed) setImmediate(() => store.checkpoint());
    else if (running.has(store.path)) again.add(store.path);
    else start(store);
  };
}
