// The real Codex CLI (the pinned `@openai/codex` dev dependency's native binary) against a scripted
// model speaking the OpenAI Responses API (streamed server-sent events on POST /v1/responses),
// configured through its own CODEX_HOME with a custom model provider: nothing of the user's leaks in.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ClientRun, type ModelRequest, runClient, type ScriptedApi, ScriptedServer, type ScriptStep, sendEvents } from './scripted-server';

/** The platform package's native executable, or null when it is not installed. */
export function codexCli(): string | null {
  try {
    const wrapper = dirname(require.resolve('@openai/codex/package.json'));
    const triples: Record<string, string> = { 'linux-x64': 'x86_64-unknown-linux-musl', 'linux-arm64': 'aarch64-unknown-linux-musl' };
    const triple = triples[`${process.platform}-${process.arch}`];
    if (triple === undefined) return null;
    const pkg = dirname(require.resolve(`@openai/codex-${process.platform}-${process.arch}/package.json`, { paths: [wrapper] }));
    const binary = join(pkg, 'vendor', triple, 'bin', 'codex');
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/** An `apply_patch` call (the patch text), a shell command, or a final text. */
export type CodexReply = { patch: string } | { shell: string } | { text: string };

/** The outputs of the conversation's tool calls, as the model was given them. */
export function toolOutputs(request: ModelRequest): string[] {
  const input = (request.body?.input ?? []) as Array<{ type?: string; output?: unknown }>;
  return input.filter((item) => item.type === 'custom_tool_call_output' || item.type === 'function_call_output').map((item) => String(item.output));
}

/** Everything the model was sent, as text (to find what a hook added). */
export function requestText(request: ModelRequest): string {
  return JSON.stringify(request.body);
}

const RESPONSES: ScriptedApi<CodexReply> = {
  isConversation: (request) => request.url.endsWith('/responses'),
  side: (response) => void response.writeHead(404, { 'content-type': 'application/json' }).end('{}'),
  ending: { text: 'The test script failed; ending the turn.' },
  render(response, reply, _request, served) {
    const id = `resp_${served}`;
    const callId = `call_${served}`;
    const item =
      'patch' in reply
        ? { type: 'custom_tool_call', id: `ctc_${served}`, status: 'completed', call_id: callId, name: 'apply_patch', input: reply.patch }
        : 'shell' in reply
          ? {
              type: 'function_call',
              id: `fc_${served}`,
              status: 'completed',
              call_id: callId,
              name: 'exec_command',
              arguments: JSON.stringify({ cmd: reply.shell }),
            }
          : {
              type: 'message',
              id: `msg_${served}`,
              status: 'completed',
              role: 'assistant',
              content: [{ type: 'output_text', text: reply.text, annotations: [] }],
            };
    sendEvents(
      response,
      [
        { type: 'response.created', response: { id } },
        { type: 'response.output_item.done', output_index: 0, item },
        {
          type: 'response.completed',
          response: {
            id,
            output: [],
            usage: { input_tokens: 10, input_tokens_details: null, output_tokens: 5, output_tokens_details: null, total_tokens: 15 },
          },
        },
      ],
      true,
    );
  },
};

export function codexModel(steps: ScriptStep<CodexReply>[]): ScriptedServer<CodexReply> {
  return new ScriptedServer(RESPONSES, steps);
}

/** Writes CODEX_HOME's config.toml: the scripted provider, no approvals, no sandbox, no login shell. */
export function writeCodexHome(codexHome: string, baseUrl: string): void {
  mkdirSync(codexHome, { recursive: true });
  writeFileSync(
    join(codexHome, 'config.toml'),
    [
      'model = "gpt-5.5"',
      'model_provider = "scripted"',
      'approval_policy = "never"',
      'sandbox_mode = "danger-full-access"',
      // A login shell sources /etc/profile, which on Debian resets PATH: the commit's guard would
      // then run under the system's node, not the one this suite runs on (.ci/on-node 24).
      'allow_login_shell = false',
      '[model_providers.scripted]',
      'name = "scripted"',
      `base_url = "${baseUrl}/v1"`,
      'env_key = "SCRIPTED_API_KEY"',
      'wire_api = "responses"',
      'supports_websockets = false',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
    ].join('\n'),
  );
}

/**
 * `codex exec` in `cwd` with the prompt; `trustProject`: the project's `.codex/` configuration is
 * used (`--trust`), and hooks run without their approval (`--dangerously-bypass-hook-trust`)
 * unless `hookTrust` says they must be approved.
 */
export function startCodex(options: {
  cli: string;
  cwd: string;
  codexHome: string;
  home: string;
  env: NodeJS.ProcessEnv;
  prompt: string;
  bypassHookTrust?: boolean;
  timeoutMs?: number;
}): ClientRun {
  const env: NodeJS.ProcessEnv = { ...options.env, HOME: options.home, CODEX_HOME: options.codexHome, SCRIPTED_API_KEY: 'sk-test-not-a-real-key' };
  delete env.OPENAI_API_KEY;
  const args = ['exec', '--skip-git-repo-check', '--trust', ...(options.bypassHookTrust === false ? [] : ['--dangerously-bypass-hook-trust']), options.prompt];
  return runClient(options.cli, args, options.cwd, env, options.timeoutMs);
}
