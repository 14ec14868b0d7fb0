// The real Claude Code CLI driven by a scripted model. `ScriptedModel` is a small server on
// 127.0.0.1 that speaks the Anthropic Messages API (streamed server-sent events) and answers each
// request of the conversation with the next step of a script: a tool call with inputs the test
// chooses, or a final text that ends the turn. A step may wait (the session then stays alive,
// blocked on its model) and sees the request, so a test can check what reached the model.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { BIN } from './hooks';
import { closeServer, listenOnLoopback } from './scripted-server';
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

/**
 * The prompt every scripted session starts with. The session's conversation is recognised by it
 * (its first user message contains it), so a later turn's prompt (after `/clear`) must contain it too.
 */
export const PROMPT = 'Work on src/x.ts as the test script says.';

export interface MessagesRequest {
  model: string;
  messages: Array<{ role: string; content: string | ContentBlock[] }>;
  tools?: Array<{ name: string }>;
}
type ContentBlock = { type: string; text?: string; content?: string | ContentBlock[]; is_error?: boolean; tool_use_id?: string };

export type ToolCall = { tool: string; input: Record<string, unknown> };
/** One assistant message: a tool call, several (run in parallel, e.g. two `Agent` calls), or a final text. */
export type Reply = ToolCall | { tools: ToolCall[] } | { text: string };
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
  const notes = [
    ...blocks,
    ...request.messages
      .slice(index + 1)
      .filter((message) => message.role === 'system')
      .flatMap(blocksOf),
  ];
  return {
    isError: result.is_error === true,
    result: textOf(result.content),
    notes: notes
      .filter((block) => block.type === 'text')
      .map((block) => block.text ?? '')
      .join('\n'),
  };
}

function blocksOf(message: MessagesRequest['messages'][number]): ContentBlock[] {
  return typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
}

function firstUserText(request: MessagesRequest): string {
  const first = request.messages.find((message) => message.role === 'user');
  return first === undefined
    ? ''
    : blocksOf(first)
        .filter((block) => block.type === 'text')
        .map((block) => block.text ?? '')
        .join('\n');
}

function textOf(content: string | ContentBlock[] | undefined): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((block) => block.text ?? '').join('\n');
}

/**
 * Answers the session's conversation with `steps`, one per request. Subagents (the `Agent` tool)
 * talk to the same server in conversations of their own, which start with the `prompt` the
 * `Agent` call gave: `subagents` maps a text that prompt contains to that subagent's steps. Any
 * other request (a title, a summary, a compaction) gets a short text and uses no step.
 */
export class ScriptedModel {
  /** The session's requests, in order. */
  readonly requests: MessagesRequest[] = [];
  /** Each scripted subagent's requests, by its key in `subagents`. */
  readonly subagentRequests: Record<string, MessagesRequest[]> = {};
  private readonly server: Server;
  private readonly next = new Map<string, number>();
  private served = 0;
  /** The first error a step threw (an assertion): the conversation is ended and the test fails with it. */
  failure: unknown = null;

  constructor(
    private readonly steps: Step[],
    private readonly subagents: Record<string, Step[]> = {},
  ) {
    this.server = createServer((request, response) => void this.serve(request, response));
    for (const key of Object.keys(subagents)) this.subagentRequests[key] = [];
  }

  start(): Promise<string> {
    return listenOnLoopback(this.server);
  }

  close(): Promise<void> {
    return closeServer(this.server);
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
    // Side requests (a title, a summary) have no tools; subagents' and a compaction's do, but do not
    // start with the session's prompt (a compaction of the session's conversation does: avoid
    // /compact in a script).
    const first = (parsed.tools ?? []).length > 0 ? firstUserText(parsed) : '';
    const subagent = Object.keys(this.subagents).find((key) => first.includes(key));
    const conversation = subagent ?? (first.includes(PROMPT) ? '' : null);
    let reply: Reply;
    if (conversation === null) {
      reply = { text: 'ok' };
    } else {
      (subagent === undefined ? this.requests : this.subagentRequests[subagent]!).push(parsed);
      const n = this.next.get(conversation) ?? 0;
      this.next.set(conversation, n + 1);
      const step = (subagent === undefined ? this.steps : this.subagents[subagent]!)[n];
      try {
        if (this.failure !== null || step === undefined)
          throw this.failure ?? new Error(`the script${subagent === undefined ? '' : ` of subagent ${subagent}`} has no step ${n + 1}`);
        reply = await step(parsed);
      } catch (error) {
        this.failure ??= error;
        reply = { text: 'The test script failed; ending the turn.' };
      }
    }
    streamReply(response, parsed.model, `msg_${++this.served}`, reply);
  }
}

function streamReply(response: ServerResponse, model: string, id: string, reply: Reply): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (event: string, data: Record<string, unknown>): void =>
    void response.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
  send('message_start', {
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 1 },
    },
  });
  const calls = 'tools' in reply ? reply.tools : 'tool' in reply ? [reply] : [];
  calls.forEach((call, index) => {
    send('content_block_start', { index, content_block: { type: 'tool_use', id: `toolu_${id}_${index}`, name: call.tool, input: {} } });
    send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(call.input) } });
    send('content_block_stop', { index });
  });
  if ('text' in reply) {
    send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: reply.text } });
    send('content_block_stop', { index: 0 });
  }
  send('message_delta', { delta: { stop_reason: calls.length > 0 ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } });
  send('message_stop', {});
  response.end();
}

export interface ClaudeRun {
  child: ChildProcess;
  /** Resolves when the process exits (killed after `timeoutMs`). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/**
 * Starts `claude -p` (the native executable `cli`) in `cwd` against `baseUrl`, non-interactively
 * allowed to read, write and run commands (a hook's deny still blocks), with its own HOME so no
 * user setting or hook leaks in.
 *
 * `turns` (default: just `PROMPT`) are the user's messages; with more than one, they go in as
 * stream-json on stdin, each once the previous one has its result, so that a slash command such as
 * `/clear` can come between two prompts (stdout is then stream-json too). Every prompt must contain
 * `PROMPT` for the scripted model to recognise the session.
 */
export function startClaude(options: {
  cli: string;
  cwd: string;
  baseUrl: string;
  home: string;
  env: NodeJS.ProcessEnv;
  extraArgs?: string[];
  timeoutMs?: number;
  turns?: string[];
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
  const turns = options.turns ?? [PROMPT];
  const streamed = turns.length > 1;
  // The prompt goes before --allowedTools, which takes several values.
  const input = streamed ? ['--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose'] : [turns[0]!];
  const args = ['-p', ...input, '--model', MODEL, '--permission-mode', 'acceptEdits', '--allowedTools', 'Bash,Read,Write,Edit', ...(options.extraArgs ?? [])];
  const child = spawn(options.cli, args, { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let sent = 0;
  const sendTurn = (): void => {
    if (sent < turns.length) child.stdin!.write(`${JSON.stringify({ type: 'user', message: { role: 'user', content: turns[sent++] } })}\n`);
    else child.stdin!.end();
  };
  if (streamed) sendTurn();
  else child.stdin!.end();
  let stdout = '';
  let stderr = '';
  let line = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (!streamed) return;
    line += chunk.toString();
    for (let end = line.indexOf('\n'); end !== -1; end = line.indexOf('\n')) {
      const message = line.slice(0, end);
      line = line.slice(end + 1);
      if (isResult(message)) sendTurn();
    }
  });
  // A streamed session's stdin stays open until its last turn: closed with the process, or the
  // process's 'close' (which waits for every stdio stream) never comes.
  child.stdin!.on('error', () => {});
  child.on('exit', () => child.stdin!.destroy());
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

/** Whether a line of stream-json output is the result that ends a turn. */
function isResult(line: string): boolean {
  try {
    return (JSON.parse(line) as { type?: unknown }).type === 'result';
  } catch {
    return false;
  }
}

/** A promise with its resolver, for steps that wait for the test to move on. */
export function gate<T = void>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/** Rejects instead of waiting forever: every wait in this suite is bounded. */
export function within<T>(promise: Promise<T>, what: string, ms = 60_000): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000}s waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * agent-lease installed into the repository the way `npm i -D agent-lease` does it (a package
 * directory, an executable bin link), in the main worktree only: linked worktrees have no
 * node_modules, so their hooks find it through the main worktree.
 */
export function installAgentLease(root: string): void {
  const modules = join(root, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  symlinkSync(join(__dirname, '..', '..'), join(modules, 'agent-lease'));
  symlinkSync(join('..', 'agent-lease', 'dist', 'bin', 'agent-lease.js'), join(modules, '.bin', 'agent-lease'));
  chmodSync(BIN, 0o755);
}

/**
 * Claude Code sessions that end with the test (call it before the test's tempRepo, so that they are
 * killed before their repository is removed), each driven by its own scripted model, each with a
 * HOME of its own under `base`. `trusted`: the user has accepted the project's trust dialog, so that
 * Claude Code applies the project's permission rules.
 */
export function claudeSessions(t: TestContext) {
  const runs: ClaudeRun[] = [];
  const models: ScriptedModel[] = [];
  t.after(async () => {
    for (const run of runs) run.child.kill('SIGKILL');
    await Promise.all(models.map((model) => model.close()));
  });
  return {
    async start(options: {
      name: string;
      base: string;
      cwd: string;
      /** The session's script, or a model scripting its subagents too. */
      steps: Step[] | ScriptedModel;
      env: NodeJS.ProcessEnv;
      extraArgs?: string[];
      turns?: string[];
      trusted?: string;
    }): Promise<ClaudeRun> {
      const model = options.steps instanceof ScriptedModel ? options.steps : new ScriptedModel(options.steps);
      models.push(model);
      const home = join(options.base, `home-${options.name}`);
      mkdirSync(home, { recursive: true });
      if (options.trusted !== undefined)
        writeFileSync(join(home, '.claude.json'), JSON.stringify({ projects: { [options.trusted]: { hasTrustDialogAccepted: true } } }));
      const { extraArgs, turns } = options;
      const run = startClaude({
        cli: claudeCodeCli()!,
        cwd: options.cwd,
        baseUrl: await model.start(),
        home,
        env: options.env,
        ...(extraArgs ? { extraArgs } : {}),
        ...(turns ? { turns } : {}),
      });
      runs.push(run);
      return run;
    },
    /** What went wrong inside the scripted steps (their assertions), if anything. */
    failures: () => models.map((model) => model.failure).filter((failure) => failure !== null),
  };
}
