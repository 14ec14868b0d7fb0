// Which host a session runs on, for liveness across hosts (team mode). A pid and its start time
// name one process only within one kernel boot and one pid namespace: two containers, or two
// machines cloned with one host name, would read each other's pids. So on Linux a host is known by
// the boot id and the pid namespace; elsewhere by its host name (macOS's boot time is a sysctl,
// reachable only by spawning a process, and its process start times are wall-clock times, which
// differ across boots already). The host name is kept beside it, for people. Read once a process:
// a few microseconds (bench/host-identity.ts).
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

let bootId: string | undefined;
let linuxIdentity: string | null | undefined;

/** This host's name, for display; `AGENT_LEASE_TEST_HOST` stands in for it in tests of team mode, which play several hosts on one machine. */
export function currentHostName(): string {
  return process.env.AGENT_LEASE_TEST_HOST || hostname();
}

/** What makes this host's pids this host's own: `boot id/pid namespace` on Linux, else `host:<name>`. A played host is its own identity. */
export function currentHostId(): string {
  const played = process.env.AGENT_LEASE_TEST_HOST;
  if (played) return played;
  if (process.platform === 'linux') {
    linuxIdentity ??= readLinuxIdentity();
    if (linuxIdentity !== null) return linuxIdentity;
  }
  return `host:${hostname()}`;
}

/** The kernel's boot id: a process's start time (in clock ticks since boot) means something within one boot only. Read once. */
export function linuxBootId(): string {
  bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return bootId;
}

function readLinuxIdentity(): string | null {
  try {
    return `${linuxBootId()}/${readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    // A /proc without these (an old kernel, a sandbox): the host name is what is left.
    return null;
  }
}

export interface HostColumns {
  host: string | null;
  /** Null in a row recorded before host identities were: judged by its host name, as then. */
  host_id: string | null;
}

/** Whether a session row runs on this host, so that its process may be checked here. */
export function onThisHost(row: HostColumns): boolean {
  return row.host_id === null ? row.host === currentHostName() : row.host_id === currentHostId();
}

/** `onThisHost` in SQL over a sessions row, with its two parameters (`thisHostParams()`). */
export const ON_THIS_HOST_SQL = '(host_id = ? OR (host_id IS NULL AND host = ?))';

export function thisHostParams(): [string, string] {
  return [currentHostId(), currentHostName()];
}
