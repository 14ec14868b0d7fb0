// A throw-away PgBouncer in front of a test PostgreSQL server (postgres.ts), in transaction
// pooling mode, as a team with many agents runs it: a temporary directory holds its config, log
// and pid file; it trusts the user `agent`; it is stopped and its directory removed when the test
// process exits, however it exits. PgBouncer refuses to run as root, so as root it runs as the
// server's owner, as the server does.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asOwner, freePort, POSTGRES_USER, serverUser, type PostgresServer } from './postgres';

const BINARY = [
  '/usr/sbin/pgbouncer',
  '/usr/bin/pgbouncer',
  ...(process.env.PATH ?? '')
    .split(':')
    .filter(Boolean)
    .map((dir) => join(dir, 'pgbouncer')),
].find((path) => existsSync(path));

/** Why the PgBouncer tests are skipped (`{ skip: NO_PGBOUNCER }`), or false when they run. */
export const NO_PGBOUNCER: string | false = BINARY === undefined ? 'no pgbouncer binary in /usr/sbin or on PATH: apt-get install pgbouncer' : false;

export interface Pooler {
  /** A connection URL through the pooler for the user `agent` and the database `postgres`, saying it is one (`pool_mode=transaction`). */
  readonly url: string;
  readonly port: number;
  /** Stops it for good and removes its directory. */
  stop(): void;
}

export interface PoolerOptions {
  /** Server connections per database and user: the transactions the server runs at once. */
  poolSize?: number;
  /** Lends each transaction the server connection idle longest (server_round_robin), not the last one used: consecutive transactions of one client change connection. */
  roundRobin?: boolean;
}

/** Starts a PgBouncer in transaction pooling mode in front of `server`: about a tenth of a second. */
export async function startPgBouncer(server: PostgresServer, { poolSize = 4, roundRobin = false }: PoolerOptions = {}): Promise<Pooler> {
  if (BINARY === undefined) throw new Error(NO_PGBOUNCER as string);
  const dir = mkdtempSync(join(tmpdir(), 'agent-lease-pgbouncer-'));
  if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync('id', ['-u', serverUser()], { encoding: 'utf8' }).trim()), -1);
  const port = await freePort();
  const config = join(dir, 'pgbouncer.ini');
  const pidFile = join(dir, 'pgbouncer.pid');
  const log = join(dir, 'log');
  writeFileSync(join(dir, 'users.txt'), `"${POSTGRES_USER}" ""\n`);
  writeFileSync(
    config,
    [
      '[databases]',
      `* = host=127.0.0.1 port=${server.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      `unix_socket_dir = ${dir}`,
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${poolSize}`,
      `server_round_robin = ${roundRobin ? 1 : 0}`,
      'max_client_conn = 1000',
      `logfile = ${log}`,
      `pidfile = ${pidFile}`,
      '',
    ].join('\n'),
  );
  const [command, args] = asOwner(BINARY, ['-d', '-q', config]);
  try {
    execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PgBouncer did not start: ${String(error)}`);
  }
  const stop = () => {
    process.removeListener('exit', stop);
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
      } catch {}
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', stop);
  // However this process ends, a detached watcher stops the pooler once it is gone.
  const script = 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill "$(cat "$2")" 2>/dev/null; rm -rf "$0"';
  spawn('sh', ['-c', script, dir, String(process.pid), pidFile], { detached: true, stdio: 'ignore' }).unref();
  await listening(port, log);
  return { url: `postgres://${POSTGRES_USER}@127.0.0.1:${port}/postgres?pool_mode=transaction`, port, stop };
}

/** Waits until something accepts connections on `port` (PgBouncer forks, then binds). */
async function listening(port: number, log: string): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 50) {
    const socket = connect(port, '127.0.0.1');
    const open = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      socket.once('error', () => resolve(false));
    });
    socket.destroy();
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`PgBouncer did not listen on port ${port}:\n${existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : ''}`);
}
