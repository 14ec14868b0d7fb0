// OpenCode: a plugin in the project's .opencode/plugins/ that hands each tool call to
// `agent-lease hook opencode <event>` (hooks/opencode.ts) and throws the refusal, which OpenCode
// reports to the model as the tool's error. The file is agent-lease's alone: it is recognised by
// its first line, rewritten by `init`, removed by `uninstall`.
import { join } from 'node:path';
import { binaryCommand } from '../claude/hook-commands';

export const OPENCODE = 'opencode';

const MARKER = '// agent-lease: file leases for parallel coding agents.';

export function opencodePluginFile(worktreeRoot: string): string {
  return join(worktreeRoot, '.opencode', 'plugins', 'agent-lease.js');
}

export function isOpencodePlugin(text: string | null): boolean {
  return text?.startsWith(MARKER) === true;
}

export function opencodePlugin(): string {
  const command = (event: string): string => JSON.stringify(binaryCommand(`hook opencode ${event}`));
  return `${MARKER}
// Written by \`agent-lease init --for opencode\` (\`agent-lease uninstall --for opencode\` removes it); do not edit.
import { spawnSync } from "node:child_process";

const COMMANDS = {
  "tool-before": ${command('tool-before')},
  "tool-after": ${command('tool-after')},
  "session-idle": ${command('session-idle')},
};

function hook(event, input, directory) {
  const run = spawnSync("/bin/sh", ["-c", COMMANDS[event]], { cwd: directory, input: JSON.stringify(input), encoding: "utf8", timeout: 15000 });
  if (run.stderr) console.error(run.stderr.trim());
  try {
    return run.status === 0 && run.stdout.trim() !== "" ? JSON.parse(run.stdout) : {};
  } catch {
    return {};
  }
}

export const AgentLease = async ({ directory }) => ({
  "tool.execute.before": async (input, output) => {
    const answer = hook("tool-before", { session_id: input.sessionID, cwd: directory, tool_name: input.tool, tool_input: output.args }, directory);
    if (answer.deny) throw new Error(answer.deny);
  },
  "tool.execute.after": async (input) => {
    if (input.tool === "bash") hook("tool-after", { session_id: input.sessionID, cwd: directory, tool_name: input.tool }, directory);
  },
  event: async ({ event }) => {
    if (event.type === "session.idle" && event.properties?.sessionID) hook("session-idle", { session_id: event.properties.sessionID, cwd: directory }, directory);
  },
});
`;
}
