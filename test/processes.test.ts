import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { identify, isProcessAlive } from '../lib/processes';
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
  for (const shell of [['sh', '-c'], ['bash', '-c'], ['sh', '-c', 'bash -c "$0"']]) {
    const command = `${JSON.stringify(process.execPath)} -e ${JSON.stringify(script)}`;
    const args = shell.length === 3 ? [shell[1]!, shell[2]!, command] : [shell[1]!, command];
    const found = JSON.parse(execFileSync(shell[0]!, args, { encoding: 'utf8' })) as { pid: number };
    assert.equal(found.pid, process.pid, shell.join(' '));
  }
});
