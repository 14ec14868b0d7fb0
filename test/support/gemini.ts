// The real Gemini CLI (the pinned `@google/gemini-cli` dev dependency) against a scripted model
// speaking the Gemini API (`streamGenerateContent?alt=sse` at GOOGLE_GEMINI_BASE_URL), with its own
// GEMINI_CLI_HOME: nothing of the user's leaks in.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ClientRun, type ModelRequest, runClient, type ScriptedApi, ScriptedServer, type ScriptStep, sendEvents } from './scripted-server';

/** The package's entry script, or null when it is not installed. */
export function geminiCli(): string | null {
  try {
    const entry = join(dirname(require.resolve('@google/gemini-cli/package.json')), 'bundle', 'gemini.js');
    return existsSync(entry) ? entry : null;
  } catch {
    return null;
  }
}

/** A call of one of Gemini CLI's tools, or a final text. */
export type GeminiReply = { call: string; args: Record<string, unknown> } | { text: string };

/** What the conversation's tool calls answered, as the model was given them. */
export function functionResponses(request: ModelRequest): string[] {
  const contents = (request.body?.contents ?? []) as Array<{ parts?: Array<{ functionResponse?: { response?: unknown } }> }>;
  return contents.flatMap((content) =>
    (content.parts ?? []).flatMap((part) => (part.functionResponse ? [JSON.stringify(part.functionResponse.response)] : [])),
  );
}

const usage = { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 };

const GEMINI_API: ScriptedApi<GeminiReply> = {
  isConversation: (request) => request.url.includes(':streamGenerateContent') && Array.isArray(request.body?.tools) && request.body.tools.length > 0,
  // Gemini CLI's own small requests (model routing, checks) want a JSON answer.
  side(response, request) {
    if (request.url.includes(':countTokens')) return void response.writeHead(200, { 'content-type': 'application/json' }).end('{"totalTokens":1}');
    const text = JSON.stringify({ reasoning: 'scripted', model_choice: 'flash', next_speaker: 'user' });
    const answer = { candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }], usageMetadata: usage };
    if (request.url.includes(':streamGenerateContent')) return sendEvents(response, [answer], false);
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  },
  ending: { text: 'The test script failed; ending the turn.' },
  render(response, reply) {
    const part = 'call' in reply ? { functionCall: { name: reply.call, args: reply.args } } : { text: reply.text };
    sendEvents(response, [{ candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }], usageMetadata: usage }], false);
  },
};

export function geminiModel(steps: ScriptStep<GeminiReply>[]): ScriptedServer<GeminiReply> {
  return new ScriptedServer(GEMINI_API, steps);
}

/** `gemini -p` in `cwd`, trusting the folder, approving every tool (a hook's deny still blocks). */
export function startGemini(options: {
  cli: string;
  cwd: string;
  geminiHome: string;
  baseUrl: string;
  env: NodeJS.ProcessEnv;
  prompt: string;
  timeoutMs?: number;
}): ClientRun {
  mkdirSync(join(options.geminiHome, '.gemini'), { recursive: true });
  writeFileSync(
    join(options.geminiHome, '.gemini', 'settings.json'),
    JSON.stringify({
      security: { auth: { selectedType: 'gemini-api-key' } },
      privacy: { usageStatisticsEnabled: false },
      general: { disableAutoUpdate: true },
    }),
  );
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    HOME: options.geminiHome,
    GEMINI_CLI_HOME: options.geminiHome,
    GOOGLE_GEMINI_BASE_URL: options.baseUrl,
    GEMINI_API_KEY: 'test-not-a-real-key',
    GEMINI_CLI_TRUST_WORKSPACE: 'true',
  };
  const args = [options.cli, '--skip-trust', '--approval-mode', 'yolo', '-m', 'gemini-2.5-pro', '-p', options.prompt];
  return runClient(process.execPath, args, options.cwd, env, options.timeoutMs);
}
