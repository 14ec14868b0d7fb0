// The demo's handle on one stand-in agent process (stand-in-agent-process.ts, forked): requests
// to run a command the way Claude Code would, one at a time, and a crash on demand.
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { AgentLeaseError } from '../../lib/util/errors';

/** A command for the stand-in to run as its own child. */
export interface AgentRequest {
  id: number;
  shell: 'sh' | 'bash';
  command: string;
  input: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface AgentReply {
  id: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

const PROCESS = resolve(__dirname, 'stand-in-agent-process.js');

/** One stand-in agent process; its requests run one at a time. */
export class StandInAgent {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve(reply: AgentReply): void; reject(error: Error): void }>();
  private next = 0;

  constructor() {
    this.child = fork(PROCESS, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.child.on('message', (reply: AgentReply) => {
      this.pending.get(reply.id)?.resolve(reply);
      this.pending.delete(reply.id);
    });
    this.child.on('exit', () => {
      for (const { reject } of this.pending.values()) reject(new AgentLeaseError('a demo agent process ended unexpectedly'));
      this.pending.clear();
    });
  }

  request(shell: AgentRequest['shell'], command: string, cwd: string, env: NodeJS.ProcessEnv, input = ''): Promise<AgentReply> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, shell, command, cwd, env, input } satisfies AgentRequest);
    });
  }

  /** SIGKILL: the process vanishes without running anything else. */
  async crash(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
