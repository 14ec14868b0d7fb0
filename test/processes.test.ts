import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { identify, isProcessAlive } from '../lib/core/processes';
import { startAgent } from './support/store';

const LIB = join(__dirname, '..', 'dist', 'lib', 'index.js');

test('identify and isProcessAlive tell a running process by pid and start time', async () => {
  const agent = startAgent();
  assert.equal(isProcessAlive(agent.identity), true);
  assert.equal(isProcessAlive({ pid: agent.identity.pid, startedAt: 'another-process' }), false, 'same pid, other start: reused');
  await agent.kill();
  assert.equal(isProcessAlive(agent.identity), false);
  assert.equal(identify(agent.identity.pid), null);
  assert.equal(identify(-1), null);
});

test('the agent is the nearest ancestor that is not a shell, as when Claude Code runs `sh -c` and `bash -c`', () => {
  const script = `process.stdout.write(JSON.stringify(require(${JSON.stringify(LIB)}).findAgentProcess()))`;
  // This test process plays the agent; its child shells are skipped.
  for (const shell of [
    ['sh', '-c'],
    ['bash', '-c'],
    ['sh', '-c', 'bash -c "$0"'],
  ]) {
    const command = `${JSON.stringify(process.execPath)} -e ${JSON.stringify(script)}`;
    const args = shell.length === 3 ? [shell[1]!, shell[2]!, command] : [shell[1]!, command];
    const found = JSON.parse(execFileSync(shell[0]!, args, { encoding: 'utf8' })) as { pid: number };
    assert.equal(found.pid, process.pid, shell.join(' '));
  }
});

test("an agent installed under a directory named agent-lease is still the agent; agent-lease's own node is skipped", () => {
  const base = mkdtempSync(join(tmpdir(), 'agent-lease-process-'));
  try {
    const report = `process.stdout.write(JSON.stringify(require(${JSON.stringify(LIB)}).findAgentProcess()))`;
    // `<base>/agent-lease/node_modules/agent/cli.js` runs a hook the way Claude Code does: through `sh -c`.
    const agentScript = join(base, 'agent-lease', 'node_modules', 'agent', 'cli.js');
    mkdirSync(dirname(agentScript), { recursive: true });
    const hook = `${JSON.stringify(process.execPath)} -e ${JSON.stringify(report)}`;
    writeFileSync(
      agentScript,
      `const { execFileSync } = require('node:child_process');
       process.stdout.write(JSON.stringify({ self: process.pid, found: JSON.parse(execFileSync('sh', ['-c', process.argv[2]], { encoding: 'utf8' })) }));`,
    );
    const agent = JSON.parse(execFileSync(process.execPath, [agentScript, hook], { encoding: 'utf8' })) as { self: number; found: { pid: number } };
    assert.equal(agent.found.pid, agent.self);

    // The same hook run by agent-lease's own binary (`.../bin/agent-lease.js`) is attributed to whoever ran that.
    const ownScript = join(base, 'bin', 'agent-lease.js');
    mkdirSync(dirname(ownScript), { recursive: true });
    writeFileSync(ownScript, `process.stdout.write(require('node:child_process').execFileSync('sh', ['-c', process.argv[2]], { encoding: 'utf8' }));`);
    const found = JSON.parse(execFileSync(process.execPath, [ownScript, hook], { encoding: 'utf8' })) as { pid: number };
    assert.equal(found.pid, process.pid);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a hook command that forks through a wrapper (timeout, env, a shell without exec) still finds the agent; CLAUDE_PID wins when it is an ancestor', () => {
  const script = `process.stdout.write(JSON.stringify(require(${JSON.stringify(LIB)}).findAgentProcess()))`;
  const node = `${JSON.stringify(process.execPath)} -e ${JSON.stringify(script)}`;
  const env = { ...process.env, CLAUDE_PID: '' };
  for (const command of [`timeout 30 ${node}`, `timeout 30 env X=1 ${node}; true`, `nice -n 1 timeout 30 ${node}; true`]) {
    const found = JSON.parse(execFileSync('sh', ['-c', command], { encoding: 'utf8', env })) as { pid: number };
    assert.equal(found.pid, process.pid, command);
  }
  // CLAUDE_PID names the agent directly (here: whoever runs this test process), start time included.
  const named = JSON.parse(execFileSync('sh', ['-c', `timeout 30 ${node}`], { encoding: 'utf8', env: { ...env, CLAUDE_PID: String(process.ppid) } }));
  assert.deepEqual(named, identify(process.ppid));
  // A CLAUDE_PID that is not an ancestor (inherited from elsewhere) is not believed.
  const stray = JSON.parse(execFileSync('sh', ['-c', `timeout 30 ${node}`], { encoding: 'utf8', env: { ...env, CLAUDE_PID: '1' } }));
  assert.equal(stray.pid, process.pid);
});
