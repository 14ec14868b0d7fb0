// The real OpenCode (the pinned `opencode-linux-x64-baseline`, Linux x64 only: its native binary) against a scripted
// model behind an OpenAI-compatible provider (streamed chat completions on POST /v1/chat/completions),
// with its own HOME and XDG directories: nothing of the user's leaks in.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ClientRun, type ModelRequest, runClient, type ScriptedApi, ScriptedServer, type ScriptStep } from './scripted-server';

/**
 * The executable of the pinned platform package, or null when it is not installed. The pin is the
 * platform package itself, not the `opencode-ai` wrapper: the registry here serves only some of the
 * wrapper's twelve optional platform packages, and a lock file without the others fails `npm ci`.
 * It is an optional dependency of test/clients/opencode (a dev dependency), so npm installs it on
 * Linux x64 only.
 */
export function opencodeCli(): string | null {
  try {
    const binary = join(dirname(require.resolve(`opencode-${process.platform}-${process.arch}-baseline/package.json`)), 'bin', 'opencode');
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/** Why the OpenCode tests cannot run here, or false when `cli` (opencodeCli's answer) is there. */
export function opencodeSkip(cli: string | null): string | false {
  if (cli !== null) return false;
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return `OpenCode's pinned binary (opencode-linux-x64-baseline) runs on Linux x64 only, and this is ${process.platform} ${process.arch}`;
  return 'OpenCode (opencode-linux-x64-baseline, an optional dependency of the dev package test/clients/opencode) is not installed: run npm install to run this suite';
}

const OPENCODE_CACHE = join(__dirname, '..', '..', 'node_modules', '.cache', 'agent-lease-opencode-e2e');

/** A call of one of OpenCode's tools, or a final text. */
export type OpencodeReply = { call: string; args: Record<string, unknown> } | { text: string };

/** What the conversation's tool calls answered, as the model was given them. */
export function toolResults(request: ModelRequest): string[] {
  const messages = (request.body?.messages ?? []) as Array<{ role?: string; content?: unknown }>;
  return messages
    .filter((message) => message.role === 'tool')
    .map((message) => (typeof message.content === 'string' ? message.content : JSON.stringify(message.content)));
}

function chunk(served: number, delta: Record<string, unknown>, finish: string | null): string {
  return `data: ${JSON.stringify({ id: `chatcmpl-${served}`, object: 'chat.completion.chunk', created: 0, model: 'scripted', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

const CHAT: ScriptedApi<OpencodeReply> = {
  isConversation: (request) => request.url.endsWith('/chat/completions') && Array.isArray(request.body?.tools) && request.body.tools.length > 0,
  side(response, request) {
    if (!request.url.endsWith('/chat/completions')) return void response.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    CHAT.render(response, { text: 'Scripted session' }, request, 0);
  },
  ending: { text: 'The test script failed; ending the turn.' },
  render(response, reply, _request, served) {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if ('call' in reply) {
      const call = { index: 0, id: `call_${served}`, type: 'function', function: { name: reply.call, arguments: JSON.stringify(reply.args) } };
      response.write(chunk(served, { role: 'assistant', tool_calls: [call] }, null));
      response.write(chunk(served, {}, 'tool_calls'));
    } else {
      response.write(chunk(served, { role: 'assistant', content: reply.text }, null));
      response.write(chunk(served, {}, 'stop'));
    }
    response.end('data: [DONE]\n\n');
  },
};

export function opencodeModel(steps: ScriptStep<OpencodeReply>[]): ScriptedServer<OpencodeReply> {
  return new ScriptedServer(CHAT, steps);
}

/** `opencode run` in `cwd` with the scripted provider as its only model, every permission granted. */
export function startOpencode(options: {
  cli: string;
  cwd: string;
  home: string;
  baseUrl: string;
  env: NodeJS.ProcessEnv;
  prompt: string;
  timeoutMs?: number;
}): ClientRun {
  for (const dir of ['config', 'data', 'state']) mkdirSync(join(options.home, dir), { recursive: true });
  const config = {
    $schema: 'https://opencode.ai/config.json',
    autoupdate: false,
    share: 'disabled',
    permission: { edit: 'allow', bash: 'allow', external_directory: 'allow' },
    provider: {
      scripted: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Scripted',
        options: { baseURL: `${options.baseUrl}/v1`, apiKey: 'test-not-a-real-key' },
        models: { scripted: { name: 'scripted', tool_call: true } },
      },
    },
    model: 'scripted/scripted',
    small_model: 'scripted/scripted',
  };
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    HOME: options.home,
    XDG_CONFIG_HOME: join(options.home, 'config'),
    XDG_DATA_HOME: join(options.home, 'data'),
    // OpenCode installs its plugin SDK (@opencode-ai/plugin, from the npm registry) into every
    // config directory it loads; its package cache is kept between runs so that only the first downloads.
    XDG_CACHE_HOME: OPENCODE_CACHE,
    XDG_STATE_HOME: join(options.home, 'state'),
    // `opencode run` takes its project directory from PWD.
    PWD: options.cwd,
    OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    OPENCODE_DISABLE_SHARE: '1',
  };
  return runClient(options.cli, ['run', '--model', 'scripted/scripted', options.prompt], options.cwd, env, options.timeoutMs ?? 240_000);
}
