// A throw-away PostgreSQL server for the tests: a new cluster in a temporary directory (initdb),
// started on a free loopback port, trusted connections for the user `agent`, stopped and removed
// when the test process exits, however it exits. initdb refuses to run as root, so as root the
// server runs as the `postgres` user (Debian's package makes it) or, lacking that, as nobody.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The folder holding initdb, pg_ctl and postgres, or undefined when PostgreSQL is not installed. */
export const POSTGRES_BIN: string | undefined = findBinaries();

/** Why the PostgreSQL tests are skipped (`{ skip: NO_POSTGRES }`), or false when they run. */
export const NO_POSTGRES: string | false =
  POSTGRES_BIN === undefined ? 'no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or on PATH: apt-get install postgresql' : false;

export const POSTGRES_USER = 'agent';

export interface PostgresServer {
  /** A connection URL for the user `agent` and the database `postgres` (no password: trust). */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Stops the server as a crash would (`pg_ctl stop -m immediate`): no shutdown checkpoint. */
  crash(): void;
  /** Starts it again on the same port and data directory (crash recovery runs first). */
  start(): void;
  /**
   * Stops the server and every backend with SIGSTOP, as a host that hangs or a network that drops
   * every packet would: connections open, nothing answered, no timeout of the server's own fires.
   */
  freeze(): void;
  /** Lets a frozen server go on (SIGCONT). */
  thaw(): void;
  /** Stops it for good and removes its directory. */
  stop(): void;
}

function findBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const dirs = [...versions.map((version) => join(root, version, 'bin')), ...(process.env.PATH ?? '').split(':').filter(Boolean)];
  return dirs.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

/** The command line that runs `binary` (PostgreSQL's, or a path) as the server's owner. */
export function asOwner(binary: string, args: string[]): [string, string[]] {
  const path = binary.startsWith('/') ? binary : join(POSTGRES_BIN!, binary);
  if (process.getuid?.() !== 0) return [path, args];
  return ['runuser', ['-u', serverUser(), '--', path, ...args]];
}

export function serverUser(): string {
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    return 'postgres';
  } catch {
    return 'nobody';
  }
}

function run(binary: string, args: string[]): void {
  const [command, commandArgs] = asOwner(binary, args);
  execFileSync(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Stops the server when the test process is gone, even when it was killed: a detached watcher
 * polls the process, then lets the server go on should it be frozen, stops it and removes its
 * directory.
 */
function watchOwner(dir: string, dataDir: string): void {
  const [command, args] = asOwner('pg_ctl', ['-D', dataDir, 'stop', '-m', 'immediate']);
  const thaw = 'p=$(head -n 1 "$2/postmaster.pid" 2>/dev/null) && kill -CONT "$p" $(ps -o pid= --ppid "$p") 2>/dev/null';
  const script = `while kill -0 "$1" 2>/dev/null; do sleep 1; done; ${thaw}; shift 2; "$@" >/dev/null 2>&1; rm -rf "$0"`;
  spawn('sh', ['-c', script, dir, String(process.pid), dataDir, command, ...args], { detached: true, stdio: 'ignore' }).unref();
}

/** Starts a new server: about a second for initdb, a tenth for the start. `settings`: more `-c name=value`. */
export async function startPostgres(settings: string[] = []): Promise<PostgresServer> {
  const dir = serverDir();
  const dataDir = join(dir, 'data');
  run('initdb', ['-D', dataDir, '-U', POSTGRES_USER, '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
  return launch(dir, dataDir, settings);
}

/**
 * A streaming standby of `primary` (pg_basebackup), started on a port of its own: in recovery,
 * read-only, until `promote()` makes it a primary. With the primary started with
 * `synchronous_standby_names=*`, a commit returns only once the standby has it.
 */
export async function startStandby(primary: PostgresServer): Promise<PostgresServer & { promote(): void }> {
  const dir = serverDir();
  const dataDir = join(dir, 'data');
  run('pg_basebackup', ['-D', dataDir, '-h', '127.0.0.1', '-p', String(primary.port), '-U', POSTGRES_USER, '-X', 'stream', '-R', '--no-sync']);
  const server = await launch(dir, dataDir, []);
  return { ...server, promote: () => run('pg_ctl', ['-D', dataDir, 'promote', '-w', '-t', '30']) };
}

function serverDir(): string {
  if (POSTGRES_BIN === undefined) throw new Error(NO_POSTGRES as string);
  const dir = mkdtempSync(join(tmpdir(), 'agent-lease-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', serverUser()], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, -1);
  }
  return dir;
}

/** Starts the cluster in `dataDir` on a free loopback port, stopped and removed at exit. */
async function launch(dir: string, dataDir: string, settings: string[]): Promise<PostgresServer> {
  const log = join(dir, 'log');
  let port = 0;
  let running = false;
  const start = () => {
    const options = [`-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`, ...settings.map((setting) => `-c ${setting}`)].join(' ');
    try {
      run('pg_ctl', ['-D', dataDir, '-o', options, '-l', log, '-w', '-t', '30', 'start']);
    } catch (error) {
      const logText = existsSync(log) ? readFileSync(log, 'utf8') : '';
      throw new Error(`PostgreSQL did not start on port ${port}: ${String(error)}\n${logText.slice(-2000)}`);
    }
    running = true;
  };
  let frozen: number[] = [];
  const freeze = () => {
    frozen = serverProcesses(dataDir);
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
  };
  const thaw = () => {
    for (const pid of frozen) process.kill(pid, 'SIGCONT');
    frozen = [];
  };
  const crash = () => {
    // A frozen server would take the signal only once let go: pg_ctl would wait for it.
    thaw();
    if (!running) return;
    running = false;
    run('pg_ctl', ['-D', dataDir, 'stop', '-m', 'immediate']);
  };
  const stop = () => {
    try {
      crash();
    } finally {
      process.removeListener('exit', stop);
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.on('exit', stop);
  watchOwner(dir, dataDir);
  // A free port can be taken between the probe and the server's bind: try another.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      start();
      break;
    } catch (error) {
      if (attempt >= 5 || !/could not bind|already in use/i.test(String(error))) {
        stop();
        throw error;
      }
    }
  }
  return {
    url: `postgres://${POSTGRES_USER}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    crash,
    start,
    freeze,
    thaw,
    stop,
  };
}

/** The postmaster (the first line of postmaster.pid) and its children, the backends among them. */
function serverProcesses(dataDir: string): number[] {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        // The fields after the command's closing parenthesis: state, then the parent's pid.
        return (
          readFileSync(`/proc/${pid}/stat`, 'utf8')
            .replace(/^.*\) /s, '')
            .split(' ')[1] === String(postmaster)
        );
      } catch {
        return false;
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

let shared: Promise<PostgresServer> | undefined;

/** One server for the whole test file (process), started on first use, stopped at exit. */
export function sharedPostgres(): Promise<PostgresServer> {
  if (shared === undefined) shared = startPostgres();
  return shared;
}
