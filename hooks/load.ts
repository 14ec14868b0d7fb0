// Loads the hooks bundle through V8's code cache. Compiling the bundle is a good part of what a
// hook costs beyond Node's own start-up, and the same bytes are compiled on every tool call.
// (Node 22 does this itself with module.enableCompileCache; Node 20, which we support, does not.)
// The cache sits next to the bundle, one per event: V8 compiles functions lazily, so a cache holds
// what the calls that made it ran, and each event runs different code. Within an event, calls of
// different kinds (PreToolUse for an Edit, for Bash) compile different functions: the cache's
// first line names the kinds it holds (hooks/code-paths.ts), and a call of a new kind rewrites it
// with what it compiled on top of what the cache gave it. Where that directory is read-only the
// bundle is simply compiled each time. V8 rejects a cache made from other source or by another V8
// build, and a rejected cache is rewritten.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

type HookRunner = typeof import('./run');
type ClientHookRunner = typeof import('./clients');

/** The longest first line a cache file has: the kinds of calls it holds. */
const MAX_HEADER = 200;

export function loadHookRunner(event: string): HookRunner {
  return loadBundle<HookRunner>('bundle.js', event);
}

/** Another client's hooks (`hook codex …`), from their own bundle. */
export function loadClientHookRunner(client: string, event: string): ClientHookRunner {
  return loadBundle<ClientHookRunner>('clients-bundle.js', `${client}-${event}`);
}

function loadBundle<Exports extends { codePathsRun(): string[] }>(name: string, event: string): Exports {
  const file = join(__dirname, name);
  const cacheFile = /^[a-z-]{1,40}$/.test(event) ? `${file}.${event}.cache` : null;
  const cached = cacheFile === null ? null : readCache(cacheFile);
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData: cached?.data });
  const bundle = { exports: {} as Exports };
  (script.runInThisContext() as (...args: unknown[]) => void)(bundle.exports, createRequire(file), bundle, file, __dirname);
  if (cacheFile !== null) {
    // Made at exit, the cache also holds the functions this call compiled lazily.
    process.once('exit', () => {
      const held = cached === null || script.cachedDataRejected ? [] : cached.kinds;
      const kinds = [...new Set([...held, ...bundle.exports.codePathsRun()])].sort();
      if (kinds.length > held.length) saveCache(script, cacheFile, kinds);
    });
  }
  return bundle.exports;
}

function readCache(cacheFile: string): { kinds: string[]; data: Buffer } | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return null;
  }
  const end = bytes.subarray(0, MAX_HEADER).indexOf(0x0a);
  if (end === -1) return null;
  return { kinds: bytes.subarray(0, end).toString('latin1').split(','), data: bytes.subarray(end + 1) };
}

function saveCache(script: Script, cacheFile: string, kinds: string[]): void {
  const temporary = `${cacheFile}.${process.pid}`;
  try {
    writeFileSync(temporary, Buffer.concat([Buffer.from(`${kinds.join(',')}\n`, 'latin1'), script.createCachedData()]));
    renameSync(temporary, cacheFile);
  } catch {
    // A read-only install: the bundle is compiled on every call, as without a cache.
  }
}
