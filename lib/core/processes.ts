// Process identity for liveness: a pid alone is reused by the kernel, so a process is known by its
// pid *and* its start time. Linux reads /proc; macOS asks ps; elsewhere only the pid is checked.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { linuxBootId } from './host';

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
 * The agent that ran us: Claude Code's own process. `CLAUDE_PID` names it in every hook and Bash
 * command; it is taken when it is one of our ancestors (which also gives its start time).
 * Otherwise the nearest ancestor that is not a shell, agent-lease's own node, nor a wrapper a hook
 * command may fork through (`timeout 30 …`, `npx …`, `env`, version-manager shims).
 */
export function findAgentProcess(env: NodeJS.ProcessEnv = process.env): ProcessIdentity | null {
  const named = Number(env.CLAUDE_PID);
  const lookingForNamed = Number.isInteger(named) && named > 1;
  let nearest: AncestorInfo | undefined;
  for (const entry of ancestors()) {
    if (entry.pid === named) return identityOf(entry);
    if (nearest === undefined && !isPassThrough(entry)) nearest = entry;
    if (nearest !== undefined && !lookingForNamed) break;
  }
  return nearest === undefined ? null : identityOf(nearest);
}

/** Every ancestor of this process, nearest first (at most 32): who ran us, and who ran them. */
export function ancestorProcesses(): ProcessIdentity[] {
  return [...ancestors()].map(identityOf);
}

/** Whether one of our ancestors looks like Claude Code (for wording that must not rely on the store). */
export function underClaudeCode(): boolean {
  for (const entry of ancestors()) if (looksLikeClaudeCode(entry)) return true;
  return false;
}

interface AncestorInfo extends ProcessInfo {
  pid: number;
}

function* ancestors(): Generator<AncestorInfo> {
  let pid = process.ppid;
  for (let depth = 0; depth < 32 && pid > 1; depth++) {
    const info = processInfo(pid);
    if (info === null) return;
    yield { ...info, pid };
    pid = info.ppid;
  }
}

function identityOf(entry: AncestorInfo): ProcessIdentity {
  return { pid: entry.pid, startedAt: entry.startedAt };
}

// Programs that run another and wait for it: a hook command that forks through one of them leaves
// it between the hook and the agent. `npm exec`/`npx` rename their process (`npm exec …`).
const WRAPPERS = new Set(['timeout', 'env', 'nice', 'ionice', 'nohup', 'stdbuf', 'setsid', 'time', 'chrt', 'taskset', 'npx', 'npm', 'pnpm', 'yarn', 'bunx']);
const SHIM_TOOLS = /^(mise|asdf|volta|volta-shim|fnm|nodenv|rtx|proto)$/;
const NODE_WRAPPER_SCRIPT = /(^|\/)(npx-cli|npm-cli|npm|npx|pnpm|yarn)(\.c?js)?$/;
const CLAUDE_COMMAND = /^claude(\.exe)?$/;
const CLAUDE_SCRIPT = /@anthropic-ai\/claude-code\/cli\.(m?js)$|(^|\/)claude(\.exe)?$/;

function isPassThrough(entry: AncestorInfo): boolean {
  const command = entry.command.split(' ')[0]!;
  if (SHELLS.has(command) || WRAPPERS.has(command) || SHIM_TOOLS.test(command)) return true;
  const args = nodeArguments(entry);
  return args?.some((arg) => AGENT_LEASE_SCRIPT.test(basename(arg)) || NODE_WRAPPER_SCRIPT.test(arg)) === true;
}

function looksLikeClaudeCode(entry: AncestorInfo): boolean {
  if (CLAUDE_COMMAND.test(entry.command)) return true;
  const script = nodeArguments(entry)?.find((arg) => !arg.startsWith('-'));
  return script !== undefined && CLAUDE_SCRIPT.test(script);
}

// Node 23 and later name their main thread "MainThread" (nodejs/node#56416), which Linux reports
// as the process's comm: a node is known by the program it runs as well.
const NODE_PROGRAM = /^node(js)?$/;

/** A node process's arguments after the program (null for anything else, or off Linux). */
function nodeArguments(entry: AncestorInfo): string[] | null {
  if (entry.command !== 'node' && entry.command !== 'MainThread') return null;
  const [program = '', ...args] = commandLine(entry.pid) ?? [];
  return entry.command === 'node' || NODE_PROGRAM.test(basename(program)) ? args : null;
}

// Only a node running agent-lease's own script: an agent installed under a directory that happens
// to be called agent-lease (a checkout of this project, with Claude Code in its node_modules) is
// still the agent.
const AGENT_LEASE_SCRIPT = /^agent-lease(\.[cm]?[jt]s)?$/;

function commandLine(pid: number): string[] | null {
  if (process.platform !== 'linux') return null;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((arg) => arg !== '');
  } catch {
    return null;
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
  return {
    command: stat.slice(open + 1, close),
    ppid: Number(fields[1]),
    startedAt: `${linuxBootId()}:${fields[19]}`,
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
