// PreToolUse for Write, Edit, NotebookEdit (and the legacy MultiEdit): takes or renews this
// session's edit lease on the file, and denies the edit when another live session holds it.
// No conflict, no output: the user's own permission rules decide as usual.
import { join } from 'node:path';
import { AgentLeaseError } from '../lib/util/errors';
import { matchesAny } from '../lib/core/globs';
import { acquire, type Conflict } from '../lib/core/leases';
import { isDirectory } from '../lib/util/files';
import { repoRelativePath } from '../lib/git/paths';
import { ensureSession, hookContext, withStore, type HookContext } from '../lib/decisions/context';
import { conflictLines } from '../lib/decisions/wording';
import { requiredObject, requiredString } from './input';
import { denyToolUse, tellUser } from './output';
import type { HookInput, HookOutcome } from './types';

const PATH_FIELD: Record<string, string> = {
  Write: 'file_path',
  Edit: 'file_path',
  MultiEdit: 'file_path',
  NotebookEdit: 'notebook_path',
};

export function handle(input: HookInput): HookOutcome {
  const toolName = requiredString(input, 'tool_name');
  if (!Object.hasOwn(PATH_FIELD, toolName)) return {};
  const field = PATH_FIELD[toolName]!;
  const file = requiredString(requiredObject(input, 'tool_input'), field, `tool_input.${field}`);
  const context = hookContext(input);
  if (context === null) return {};
  const target = repoRelativePath(file, context.repo.commonDir, context.cwd);
  if (target.kind === 'outside' || matchesAny(context.config.ignore, target.path)) return warnUser(context);
  if (isDirectory(join(target.repo.worktreeRoot, target.path))) {
    throw new AgentLeaseError(`tool_input.${field} ${file} is a directory, not a file; nothing was leased`);
  }

  const result = withStore(context, (store) => {
    ensureSession(store, context);
    return acquire(store, context.sessionId, [target.path], { source: 'edit', exact: true, ttlMs: context.config.ttl.editMs });
  });
  if (!result.ok) return storeFailure(context, result.problem);
  if (result.value.ok) return warnUser(context);
  return denyToolUse(denialReason(target.path, result.value.conflicts), userWarning(context));
}

function denialReason(path: string, conflicts: Conflict[]): string {
  const now = Date.now();
  return [
    `agent-lease denied this edit: ${path} is leased to another session that is working on it.`,
    ...conflictLines(conflicts, now),
    `Do not edit ${path} now, and do not work around this with shell commands (a commit touching it would be refused). ` +
      `Work on other files and come back to it later: \`agent-lease who ${path}\` shows whether it is still held. ` +
      'The lease ends when that session releases it, when it stops with no pending change to the file, when it ends, or at the latest when it expires.',
  ].join('\n');
}

function storeFailure(context: HookContext, problem: string): HookOutcome {
  if (context.config.hooks.onStoreError === 'deny') {
    return denyToolUse(`${problem}. Edits are denied until the store works again (hooks.onStoreError is "deny"); tell the user.`, problem);
  }
  return tellUser(`${problem}; the edit was allowed WITHOUT a lease (set hooks.onStoreError to "deny" in .agent-lease.json to block edits instead)`);
}

function warnUser(context: HookContext): HookOutcome {
  const warning = userWarning(context);
  return warning === undefined ? {} : tellUser(warning);
}

function userWarning(context: HookContext): string | undefined {
  return context.warnings.length === 0 ? undefined : context.warnings.join('\n');
}
