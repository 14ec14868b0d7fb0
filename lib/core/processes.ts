// Process identity for liveness: a pid alone is reused by the kernel, so a process is known by its
// pid *and* its start time. Linux reads /proc; macOS asks ps; elsewhere only the pid is checked.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename } from 'node:path';

export interface ProcessIdentity {
  pid: number;
  /** Opaque marker of when the process started; equal markers mean the same process. */
  startedAt: string;
}

interface ProcessInfo {
  ppid: number;
  command: string;
  startedAt: string;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'fish', 'ash', 'busybox']);

let bootId: string | undefined;

export const currentHost = (): string => hostname();

/** Whether the process that had `identity` is still running (false once its pid is reused). */
export function isProcessAlive(identity: ProcessIdentity): boolean {
  const info = processInfo(identity.pid);
  return info !== null && info.startedAt === identity.startedAt;
}

export function identify(pid: number): ProcessIdentity | null {
  const info = processInfo(pid);
  return info === null ? null : { pid, startedAt: info.startedAt };
}

/**
 * The agent that ran us: the nearest ancestor that is neither a shell nor agent-lease's own node
 * (Claude Code runs a hook as `sh -c "<command>"`, and its Bash tool as `bash -c`).
 */
export function findAgentProcess(): ProcessIdentity | null {
  let pid = process.ppid;
  for (let depth = 0; depth < 16 && pid > 1; depth++) {
    const info = processInfo(pid);
    if (info === null) return null;
    if (!SHELLS.has(info.command) && !isAgentLeaseProcess(pid, info.command)) return { pid, startedAt: info.startedAt };
    pid = info.ppid;
  }
  return null;
}

// Only a node running agent-lease's own script: an agent installed under a directory that happens
// to be called agent-lease (a checkout of this project, with Claude Code in its node_modules) is
// still the agent.
const AGENT_LEASE_SCRIPT = /^agent-lease(\.[cm]?[jt]s)?$/;

// Node 23 and later name their main thread "MainThread" (nodejs/node#56416), which Linux reports
// as the process's comm: a node is known by the program it runs as well.
const NODE_PROGRAM = /^node(js)?$/;

function isAgentLeaseProcess(pid: number, command: string): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const [program = '', ...args] = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (command !== 'node' && !NODE_PROGRAM.test(basename(program))) return false;
    return args.some((arg) => AGENT_LEASE_SCRIPT.test(basename(arg)));
  } catch {
    return false;
  }
}

function processInfo(pid: number): ProcessInfo | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (process.platform === 'linux') return linuxProcessInfo(pid);
  if (process.platform === 'darwin') return psProcessInfo(pid);
  return signalProcessInfo(pid);
}

function linuxProcessInfo(pid: number): ProcessInfo | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid ..." — comm may itself contain spaces and parentheses.
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return null;
  bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return {
    command: stat.slice(open + 1, close),
    ppid: Number(fields[1]),
    startedAt: `${bootId}:${fields[19]}`,
  };
}

function psProcessInfo(pid: number): ProcessInfo | null {
  try {
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    const out = execFileSync('ps', ['-o', 'ppid=,lstart=,comm=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    const match = /^(\d+)\s+(\w{3}\s+\w{3}\s+\d+\s+[\d:]+\s+\d{4})\s+(.*)$/.exec(out);
    if (!match) return null;
    const command = match[3]!.split('/').pop()!.replace(/^-/, '');
    return { ppid: Number(match[1]), startedAt: match[2]!.replace(/\s+/g, ' '), command };
  } catch {
    return null;
  }
}

function signalProcessInfo(pid: number): ProcessInfo | null {
  try {
    process.kill(pid, 0);
    return { ppid: 0, command: '', startedAt: 'unknown' };
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? { ppid: 0, command: '', startedAt: 'unknown' } : null;
  }
}
