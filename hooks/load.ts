// Loads the hooks bundle through V8's code cache. Compiling the bundle is a good part of what a
// hook costs beyond Node's own start-up, and the same bytes are compiled on every tool call.
// (Node 22 does this itself with module.enableCompileCache; Node 20, which we support, does not.)
// The cache sits next to the bundle, one per event: V8 compiles functions lazily, so a cache holds
// what the call that made it ran, and each event runs different code. Where that directory is
// read-only the bundle is simply compiled each time. V8 rejects a cache made from other source or
// by another V8 build, and a rejected cache is rewritten.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

type HookRunner = typeof import('./run');
type ClientHookRunner = typeof import('./clients');

export function loadHookRunner(event: string): HookRunner {
  return loadBundle('bundle.js', event);
}

/** Another client's hooks (`hook codex …`), from their own bundle. */
export function loadClientHookRunner(client: string, event: string): ClientHookRunner {
  return loadBundle('clients-bundle.js', `${client}-${event}`);
}

function loadBundle<Exports>(name: string, event: string): Exports {
  const file = join(__dirname, name);
  const cacheFile = /^[a-z-]{1,40}$/.test(event) ? `${file}.${event}.cache` : null;
  let cachedData: Buffer | undefined;
  try {
    cachedData = cacheFile === null ? undefined : readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const bundle = { exports: {} as Exports };
  (script.runInThisContext() as (...args: unknown[]) => void)(bundle.exports, createRequire(file), bundle, file, __dirname);
  // Made at exit, the cache also holds the functions this call compiled lazily.
  if (cacheFile !== null && (cachedData === undefined || script.cachedDataRejected)) process.once('exit', () => saveCache(script, cacheFile));
  return bundle.exports;
}

function saveCache(script: Script, cacheFile: string): void {
  const temporary = `${cacheFile}.${process.pid}`;
  try {
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cacheFile);
  } catch {
    // A read-only install: the bundle is compiled on every call, as without a cache.
  }
}
