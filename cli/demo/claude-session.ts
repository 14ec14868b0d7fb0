// A Claude Code session as the demo plays it: each hook `.claude/settings.json` configures runs
// through the session's stand-in agent process, with the event JSON Claude Code would send, and
// the answers are read the way Claude Code reads them.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentLeaseError } from '../../lib/util/errors';
import { shellWord } from '../../lib/util/text';
import { StandInAgent, type AgentReply } from './stand-in-agent';

/** What the hooks of one event answered, read the way Claude Code reads them. */
export interface HookVerdict {
  denied: string | null;
  context: string[];
  messages: string[];
  errors: string[];
}

/** A Claude Code session as the hooks see it: its id, the worktree it started in, its process. */
export class ClaudeSession {
  private readonly agent = new StandInAgent();
  private tools = 0;

  constructor(
    readonly id: string,
    readonly worktree: string,
    private readonly binDir: string,
    agents: StandInAgent[],
  ) {
    agents.push(this.agent);
  }

  /** Runs every hook `.claude/settings.json` configures for `event` and `matched`, as Claude Code does. */
  async hook(event: string, fields: Record<string, unknown>, matched: string): Promise<HookVerdict> {
    const input = JSON.stringify({
      session_id: this.id,
      transcript_path: join(process.env.HOME ?? '', '.claude', 'projects', `${this.id}.jsonl`),
      cwd: this.worktree,
      permission_mode: 'default',
      hook_event_name: event,
      ...fields,
    });
    const env = { ...process.env, CLAUDE_PROJECT_DIR: this.worktree, CLAUDE_CODE_SESSION_ID: this.id };
    const verdict: HookVerdict = { denied: null, context: [], messages: [], errors: [] };
    for (const command of hookCommands(this.worktree, event, matched)) {
      const reply = await this.agent.request('sh', command, this.worktree, env, input);
      if (reply.status === 2) {
        verdict.denied = reply.stderr.trim();
      } else if (reply.status !== 0) {
        verdict.errors.push(reply.stderr.trim() || `exit ${reply.status}`);
      } else if (reply.stdout.trimStart().startsWith('{')) {
        const answer = JSON.parse(reply.stdout) as { systemMessage?: string; hookSpecificOutput?: Record<string, string> };
        if (answer.hookSpecificOutput?.permissionDecision === 'deny') verdict.denied = answer.hookSpecificOutput.permissionDecisionReason ?? '';
        if (answer.hookSpecificOutput?.additionalContext) verdict.context.push(answer.hookSpecificOutput.additionalContext);
        if (answer.systemMessage) verdict.messages.push(answer.systemMessage);
      }
    }
    return verdict;
  }

  edit(path: string, replacement: string): Promise<HookVerdict> {
    return this.tool('Edit', path, { old_string: 'return redirect(home);', new_string: replacement, replace_all: false }, (file) =>
      writeFileSync(file, readFileSync(file, 'utf8').replace(/return redirect\([^)]*\);/, replacement)),
    );
  }

  write(path: string, content: string): Promise<HookVerdict> {
    return this.tool('Write', path, { content }, (file) => writeFileSync(file, content));
  }

  /** The Bash tool: the command runs in the session's worktree, then the PostToolUse hooks. */
  async bash(command: string): Promise<AgentReply> {
    const env = { ...process.env, CLAUDE_CODE_SESSION_ID: this.id, PATH: `${this.binDir}:${process.env.PATH ?? ''}` };
    const reply = await this.agent.request('bash', command, this.worktree, env);
    const verdict = await this.hook(
      'PostToolUse',
      {
        tool_name: 'Bash',
        tool_input: { command },
        tool_response: { stdout: reply.stdout, stderr: reply.stderr, interrupted: false, isImage: false },
        tool_use_id: this.toolUseId(),
      },
      'Bash',
    );
    requireNoErrors(verdict, 'PostToolUse');
    return reply;
  }

  crash(): Promise<void> {
    return this.agent.crash();
  }

  /** PreToolUse, then the tool itself when no hook denied it. */
  private async tool(toolName: string, path: string, toolInput: Record<string, unknown>, apply: (file: string) => void): Promise<HookVerdict> {
    const file = join(this.worktree, path);
    const verdict = await this.hook(
      'PreToolUse',
      { tool_name: toolName, tool_input: { file_path: file, ...toolInput }, tool_use_id: this.toolUseId() },
      toolName,
    );
    requireNoErrors(verdict, 'PreToolUse');
    if (verdict.denied === null) apply(file);
    return verdict;
  }

  private toolUseId(): string {
    return `toolu_demo_${this.id}_${++this.tools}`;
  }
}

/**
 * The hook commands of `event` in the worktree's .claude/settings.json whose matcher takes
 * `matched`, as shell commands: an exec-form handler (`command` and `args`, `${CLAUDE_PROJECT_DIR}`
 * substituted as Claude Code does) is exec'd by the shell, so the stand-in agent stays its parent.
 */
function hookCommands(worktree: string, event: string, matched: string): string[] {
  const settings = JSON.parse(readFileSync(join(worktree, '.claude', 'settings.json'), 'utf8')) as {
    hooks?: Record<string, Array<{ matcher?: string; hooks: Array<{ type: string; command?: string; args?: string[] }> }>>;
  };
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder Claude Code substitutes in exec form
  const substitute = (word: string) => word.replaceAll('${CLAUDE_PROJECT_DIR}', worktree);
  return (settings.hooks?.[event] ?? [])
    .filter((group) => matcherTakes(group.matcher, matched))
    .flatMap((group) =>
      group.hooks.flatMap((handler) => {
        if (handler.type !== 'command' || !handler.command) return [];
        if (handler.args === undefined) return [handler.command];
        return [`exec ${[handler.command, ...handler.args].map((word) => shellWord(substitute(word))).join(' ')}`];
      }),
    );
}

/** Claude Code's matcher rule: a plain list of names (`Write|Edit`) matches exactly, anything else is a regex. */
function matcherTakes(matcher: string | undefined, value: string): boolean {
  if (matcher === undefined || matcher === '' || matcher === '*') return true;
  if (/^[A-Za-z0-9_|,]+$/.test(matcher)) return matcher.split(/[|,]/).includes(value);
  return new RegExp(matcher).test(value);
}

export function requireNoErrors(verdict: HookVerdict, event: string): void {
  if (verdict.errors.length > 0) throw new AgentLeaseError(`the ${event} hook failed in the demo: ${verdict.errors.join('; ')}`);
}
