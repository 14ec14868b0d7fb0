// The checkpointing thread (sqlite-checkpointer.ts): for each request, a passive checkpoint of the
// store through a connection of its own, then the store's path back as the sign it is done.
import Database from 'better-sqlite3';
import { parentPort } from 'node:worker_threads';
import type { CheckpointRequest } from './sqlite-checkpointer';

parentPort?.on('message', ({ path, nativeBinding }: CheckpointRequest) => {
  try {
    const db = new Database(path, { fileMustExist: true, timeout: 0, nativeBinding });
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } finally {
      db.close();
    }
  } catch {
    // Busy, gone or failing: the WAL keeps every commit, and the next checkpoint catches up.
  }
  parentPort?.postMessage(path);
});
