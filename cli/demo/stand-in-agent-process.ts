// A stand-in for a Claude Code process, forked by `agent-lease demo` (see stand-in-agent.ts). It
// runs what the demo asks the way Claude Code does, as its own children: hook commands through
// `sh -c` with the event JSON on stdin, Bash tool commands through `bash -c`. The hooks therefore
// find this process as the session's agent process, and killing it is a crashed session.
import { spawnSync } from 'node:child_process';
import type { AgentReply, AgentRequest } from './stand-in-agent';

process.on('message', (request: AgentRequest) => {
  const result = spawnSync(request.shell, ['-c', request.command], {
    cwd: request.cwd,
    env: request.env,
    input: request.input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const reply: AgentReply = { id: request.id, status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? String(result.error ?? '') };
  process.send?.(reply);
});
