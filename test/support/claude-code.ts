// The real Claude Code CLI driven by a scripted model. `ScriptedModel` is a small server on
// 127.0.0.1 that speaks the Anthropic Messages API (streamed server-sent events) and answers each
// request of the conversation with the next step of a script: a tool call with inputs the test
// chooses, or a final text that ends the turn. A step may wait (the session then stays alive,
// blocked on its model) and sees the request, so a test can check what reached the model.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The pinned dev dependency's native executable, or null when it is not installed. Since 2.1.1xx
 * the npm package is a wrapper whose optional dependency `@anthropic-ai/claude-code-<platform>`
 * holds the binary; the wrapper's `bin/claude.exe` is only a copy of it when its postinstall ran
 * (with `--ignore-scripts` it is a 500-byte stub), so the platform package is resolved directly.
 */
export function claudeCodeCli(): string | null {
  try {
    const wrapper = dirname(require.resolve('@anthropic-ai/claude-code/package.json'));
    const platform = `${process.platform}-${process.arch}${process.platform === 'linux' && isMusl() ? '-musl' : ''}`;
    const exe = process.platform === 'win32' ? 'claude.exe' : 'claude';
    const binary = join(dirname(require.resolve(`@anthropic-ai/claude-code-${platform}/package.json`, { paths: [wrapper] })), exe);
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

function isMusl(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report !== undefined && report.header?.glibcVersionRuntime === undefined;
}

/** The model name the scripted sessions ask for: a current one (a retired name makes Claude Code warn). */
export const MODEL = 'claude-sonnet-5';

/** The prompt every scripted session starts with; the model's conversation is recognised by it. */
export const PROMPT = 'Work on src/x.ts as the test script says.';

export interface MessagesRequest {
  model: string;
  messages: Array<{ role: string; content: string | ContentBlock[] }>;
  tools?: Array<{ name: string }>;
}
type ContentBlock = { type: string; text?: string; content?: string | ContentBlock[]; is_error?: boolean; tool_use_id?: string };

export type Reply = { tool: string; input: Record<string, unknown> } | { text: string };
export type Step = (request: MessagesRequest) => Reply | Promise<Reply>;

/** What the model was told about its last tool call: the tool result, and any text that came with it. */
export interface ToolOutcome {
  isError: boolean;
  result: string;
  /** Text blocks next to the result (hook messages Claude Code adds as system reminders). */
  notes: string;
}

/**
 * The last tool result of the conversation. Claude Code 2.1.3xx puts what hooks add (their
 * `additionalContext`, as system reminders) and its own reminders into `role: "system"` messages
 * after the user message that carries the tool result; older releases put them as text blocks
 * next to the result. Both are collected as `notes`.
 */
export function lastToolOutcome(request: MessagesRequest): ToolOutcome {
  let index = request.messages.length - 1;
  while (index >= 0 && !(request.messages[index]!.role === 'user' && blocksOf(request.messages[index]!).some((block) => block.type === 'tool_result'))) index--;
  if (index === -1) throw new Error(`no message carries a tool result: ${JSON.stringify(request.messages.at(-1)).slice(0, 500)}`);
  const blocks = blocksOf(request.messages[index]!);
  const result = blocks.find((block) => block.type === 'tool_result')!;
  const notes = [...blocks, ...request.messages.slice(index + 1).filter((message) => message.role === 'system').flatMap(blocksOf)];
  return {
    isError: result.is_error === true,
    result: textOf(result.content),
    notes: notes.filter((block) => block.type === 'text').map((block) => block.text ?? '').join('\n'),
  };
}

function blocksOf(message: MessagesRequest['messages'][number]): ContentBlock[] {
  return typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
}

function firstUserText(request: MessagesRequest): string {
  const first = request.messages.find((message) => message.role === 'user');
  return first === undefined ? '' : blocksOf(first).filter((block) => block.type === 'text').map((block) => block.text ?? '').join('\n');
}

function textOf(content: string | ContentBlock[] | undefined): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((block) => block.text ?? '').join('\n');
}

export class ScriptedModel {
  readonly requests: MessagesRequest[] = [];
  private readonly server: Server;
  private next = 0;
  /** The first error a step threw (an assertion): the conversation is ended and the test fails with it. */
  failure: unknown = null;

  constructor(private readonly steps: Step[]) {
    this.server = createServer((request, response) => void this.serve(request, response));
  }

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    if (request.method !== 'POST' || !request.url?.startsWith('/v1/messages')) {
      response.writeHead(request.method === 'HEAD' ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    const parsed = JSON.parse(body) as MessagesRequest;
    if (request.url.startsWith('/v1/messages/count_tokens')) {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"input_tokens":1}');
      return;
    }
    // Side requests (a title, a summary) have no tools, and those of subagents or a compaction do
    // not start with the session's prompt: they get a short text and use no step.
    const conversation = (parsed.tools ?? []).length > 0 && firstUserText(parsed).includes(PROMPT);
    let reply: Reply;
    if (!conversation) {
      reply = { text: 'ok' };
    } else {
      this.requests.push(parsed);
      const step = this.steps[this.next++];
      try {
        if (this.failure !== null || step === undefined) throw this.failure ?? new Error(`the script has no step ${this.next}`);
        reply = await step(parsed);
      } catch (error) {
        this.failure ??= error;
        reply = { text: 'The test script failed; ending the turn.' };
      }
    }
    streamReply(response, parsed.model, `msg_${this.requests.length}`, reply);
  }
}

function streamReply(response: ServerResponse, model: string, id: string, reply: Reply): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (event: string, data: Record<string, unknown>): void => void response.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
  send('message_start', {
    message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } },
  });
  if ('tool' in reply) {
    send('content_block_start', { index: 0, content_block: { type: 'tool_use', id: `toolu_${id}`, name: reply.tool, input: {} } });
    send('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(reply.input) } });
  } else {
    send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: reply.text } });
  }
  send('content_block_stop', { index: 0 });
  send('message_delta', { delta: { stop_reason: 'tool' in reply ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } });
  send('message_stop', {});
  response.end();
}

export interface ClaudeRun {
  child: ChildProcess;
  /** Resolves when the process exits (killed after `timeoutMs`). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/**
 * Starts `claude -p` (the native executable `cli`) in `cwd` against `baseUrl`, non-interactively allowed to read, write and run
 * commands (a hook's deny still blocks), with its own HOME so no user setting or hook leaks in.
 */
export function startClaude(options: {
  cli: string;
  cwd: string;
  baseUrl: string;
  home: string;
  env: NodeJS.ProcessEnv;
  extraArgs?: string[];
  timeoutMs?: number;
}): ClaudeRun {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(options.env)) if (!key.startsWith('ANTHROPIC_')) env[key] = value;
  Object.assign(env, {
    HOME: options.home,
    ANTHROPIC_BASE_URL: options.baseUrl,
    ANTHROPIC_API_KEY: 'sk-ant-test-not-a-real-key',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
  });
  // The prompt goes before --allowedTools, which takes several values.
  const args = ['-p', PROMPT, '--model', MODEL, '--permission-mode', 'acceptEdits', '--allowedTools', 'Bash,Read,Write,Edit', ...(options.extraArgs ?? [])];
  const child = spawn(options.cli, args, { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.end();
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, exited };
}

/** A promise with its resolver, for steps that wait for the test to move on. */
export function gate<T = void>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}
