// A model server on 127.0.0.1 for the other clients' end-to-end tests: each request of the
// conversation gets the next step of a script, rendered in the client's API by `render`. Requests
// that are not the conversation's (a client's side requests: routing, titles) get `side`.
// test/support/claude-code.ts has Claude Code's own (the Messages API, with subagents).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// biome-ignore lint/suspicious/noExplicitAny: each client's request body, read by the test's steps
export type ModelRequest = { url: string; body: any };
export type ScriptStep<Reply> = (request: ModelRequest) => Reply | Promise<Reply>;

export interface ScriptedApi<Reply> {
  /** Whether the request belongs to the scripted conversation (false: answered with `side`). */
  isConversation(request: ModelRequest): boolean;
  render(response: ServerResponse, reply: Reply, request: ModelRequest, served: number): void;
  side(response: ServerResponse, request: ModelRequest): void;
  /** The reply that ends the turn when the script has failed or run out. */
  ending: Reply;
}

export class ScriptedServer<Reply> {
  readonly requests: ModelRequest[] = [];
  /** The first error a step threw (an assertion): the conversation is ended and the test fails with it. */
  failure: unknown = null;
  private readonly server: Server;
  private served = 0;

  constructor(
    private readonly api: ScriptedApi<Reply>,
    private readonly steps: ScriptStep<Reply>[],
  ) {
    this.server = createServer((request, response) => void this.serve(request, response));
  }

  start(): Promise<string> {
    return listenOnLoopback(this.server);
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  /** Throws the script's failure, or that it was not played to its end. */
  assertPlayed(): void {
    if (this.failure !== null) throw this.failure;
    if (this.requests.length < this.steps.length)
      throw new Error(`the model was asked ${this.requests.length} times, the script has ${this.steps.length} steps`);
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of request) text += String(chunk);
    let body: unknown = null;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      body = null;
    }
    const modelRequest: ModelRequest = { url: request.url ?? '', body };
    if (request.method !== 'POST' || body === null || !this.api.isConversation(modelRequest)) {
      this.api.side(response, modelRequest);
      return;
    }
    const n = this.requests.length;
    this.requests.push(modelRequest);
    let reply: Reply;
    try {
      const step = this.steps[n];
      if (this.failure !== null || step === undefined) throw this.failure ?? new Error(`the script has no step ${n + 1}`);
      reply = await step(modelRequest);
    } catch (error) {
      this.failure ??= error;
      reply = this.api.ending;
    }
    this.api.render(response, reply, modelRequest, ++this.served);
  }
}

/** Starts `server` on a free port of 127.0.0.1; resolves to its base URL. */
export async function listenOnLoopback(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes `server` and every connection to it. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
}

/** Server-sent events: `event:` lines when `named`, one `data:` line each. */
export function sendEvents(response: ServerResponse, events: Array<Record<string, unknown>>, named: boolean): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const event of events) response.write(`${named ? `event: ${String(event.type)}\n` : ''}data: ${JSON.stringify(event)}\n\n`);
  response.end();
}

export interface ClientRun {
  /** Resolves when the process exits (killed after the timeout). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  pid: number;
}

/** Runs a client to its end, collecting its output (killed after `timeoutMs`). */
export function runClient(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 120_000): ClientRun {
  const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { exited, pid: child.pid! };
}
