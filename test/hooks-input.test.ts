import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { BIN, fixture, HOOK_SAMPLES, hookEnv, runHook, tempRepo } from './support/hooks';

/** Claude Code shows the first stderr line of a failing hook: it must be the whole story. */
function assertOneClearLine(stderr: string, pattern: RegExp, label: string): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${label}: one line, got ${JSON.stringify(stderr)}`);
  assert.match(lines[0]!, pattern, label);
  assert.doesNotMatch(stderr, /^\s+at /m, `${label}: no stack trace`);
}

test('malformed or incomplete input to any hook: exit 1 (neither a block nor a crash) and one clear line', (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  for (const [event, sample] of HOOK_SAMPLES) {
    const valid = fixture(sample, repo.root, 'a-session');
    const { session_id: _dropped, ...withoutSession } = valid;
    const cases: Array<[input: string, problem: RegExp]> = [
      ['', /stdin is not valid JSON \(empty\)/],
      ['{"session_id": "a-session", "cwd":', /stdin is not valid JSON \(\d+ bytes\)/],
      ['[1, 2]', /stdin must be a JSON object/],
      [JSON.stringify(withoutSession), /the input has no "session_id" string \(got nothing\)/],
      [JSON.stringify({ ...valid, session_id: 42 }), /the input has no "session_id" string \(got a number\)/],
      [JSON.stringify({ ...valid, cwd: `${repo.base}/does-not-exist` }), /cannot use the input's cwd .*does-not-exist/],
    ];
    for (const [input, problem] of cases) {
      const run = runHook(event, input, { env });
      assert.equal(run.status, 1, `${event} ${input.slice(0, 40)}`);
      assert.equal(run.stdout, '');
      assertOneClearLine(run.stderr, new RegExp(`^agent-lease hook ${event}: ${problem.source}`), `${event} ${input.slice(0, 40)}`);
    }
  }
  const noPath = runHook('pre-tool-use', fixture('pre-tool-use.edit', repo.root, 'a-session', { tool_input: { old_string: 'a' } }), { env });
  assertOneClearLine(
    noPath.stderr,
    /^agent-lease hook pre-tool-use: the input has no "tool_input.file_path" string \(got nothing\); nothing was leased$/,
    'no file_path',
  );
  const noTool = runHook('pre-tool-use', fixture('pre-tool-use.edit', repo.root, 'a-session', { tool_input: 'x' }), { env });
  assertOneClearLine(noTool.stderr, /the input has no "tool_input" object \(got a string\)/, 'tool_input not an object');
  const unknown = runHook('pre-compact', fixture('stop', repo.root, 'a-session', { hook_event_name: 'PreCompact' }), { env });
  assert.equal(unknown.status, 1);
  assertOneClearLine(
    unknown.stderr,
    /^agent-lease hook: unknown event "pre-compact" \(expected one of session-start, pre-tool-use, post-tool-use, user-prompt-submit, stop, session-end, subagent-start, subagent-stop, worktree-remove\)$/,
    'unknown event',
  );
});

test('stdin is read with a bound: too much input is refused, and input that never ends times out instead of hanging', async (t) => {
  const repo = tempRepo(t);
  const env = hookEnv(repo.env);
  const huge = JSON.stringify({ ...fixture('pre-tool-use.write', repo.root, 'a-session'), padding: 'x'.repeat(5 * 1024 * 1024) });
  const tooBig = runHook('pre-tool-use', huge, { env });
  assert.equal(tooBig.status, 1);
  assertOneClearLine(tooBig.stderr, /^agent-lease hook pre-tool-use: stdin is larger than 4194304 bytes; nothing was leased$/, 'too big');

  const child = spawn(process.execPath, [BIN, 'hook', 'pre-tool-use'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.write('{"session_id": "a-session"');
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let watchdogFired = false;
  const watchdog = setTimeout(() => {
    watchdogFired = true;
    child.kill('SIGKILL');
  }, 15_000);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(watchdog);
  assert.equal(watchdogFired, false, 'it gave up on its own');
  // Not exit 1: a read blocked on the open pipe holds node's exit, so the hook ends itself with
  // SIGKILL after saying why (to Claude Code the same non-blocking error).
  assert.deepEqual([code, signal], [null, 'SIGKILL']);
  assertOneClearLine(stderr, /^agent-lease hook pre-tool-use: stdin was not closed within 5s; nothing was leased$/, 'open stdin');
});
