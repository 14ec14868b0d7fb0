// A native addon (better-sqlite3's) that this Node cannot load, said in one line with the fix.
// Node's own message spans five lines, and on a second attempt in the same process (the hooks
// preload the addon) it only says "Module did not self-register": the ABI the addon was built for
// is then read from the file itself, whose initializer is named after it.
import { readFileSync } from 'node:fs';

/** The Node major of each ABI (NODE_MODULE_VERSION) of recent releases. */
const NODE_OF_ABI: Record<string, string> = { 108: '18', 111: '19', 115: '20', 120: '21', 127: '22', 131: '23', 137: '24', 141: '25' };

/** What is wrong and how to fix it, when `error` is a native addon failing to load; null otherwise. */
export function addonLoadProblem(error: unknown): string | null {
  if ((error as { code?: unknown } | null)?.code !== 'ERR_DLOPEN_FAILED') return null;
  const message = String((error as Error).message);
  const firstLine = message.split('\n')[0]!;
  // Node quotes the file ("The module '…'", "Module did not self-register: '…'."); dlopen's own errors start with it.
  const file = /'([^']+\.node)'/.exec(firstLine)?.[1] ?? /^(.+?\.node): /.exec(firstLine)?.[1];
  const name = file === undefined ? 'a native module' : packageOf(file);
  const fix = `run \`npm rebuild ${name}\` with this Node (${process.execPath})`;
  const built = /using\s+NODE_MODULE_VERSION (\d+)/.exec(message)?.[1] ?? (file === undefined ? undefined : abiInFile(file));
  const here = `Node ${process.version} (ABI ${process.versions.modules})`;
  if (built !== undefined && built !== process.versions.modules) {
    const node = NODE_OF_ABI[built] === undefined ? '' : `, Node ${NODE_OF_ABI[built]}`;
    return `${name}'s native module was built for another Node (ABI ${built}${node}), not for this ${here}: ${fix}`;
  }
  const reason = (file === undefined ? firstLine : firstLine.replace(`'${file}'`, '').replace(`${file}: `, '')).replace(/[\s:.]+$/, '');
  return `${name}'s native module cannot be loaded by this ${here} (${reason}): ${fix}`;
}

/** The package a `.node` file belongs to: the last `node_modules/<name>` in its path. */
function packageOf(file: string): string {
  const found = [...file.matchAll(/node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/g)].at(-1)?.[1];
  return found?.replace(/\\/g, '/') ?? file;
}

function abiInFile(file: string): string | undefined {
  try {
    return /node_register_module_v(\d+)/.exec(readFileSync(file, 'latin1'))?.[1];
  } catch {
    return undefined;
  }
}
