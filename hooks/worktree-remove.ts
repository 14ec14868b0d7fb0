// WorktreeRemove: the leases on changes in that worktree end (lib/decisions/worktree-remove.ts).
import { removeWorktree } from '../lib/decisions/worktree-remove';
import { agentEvent } from './event';
import { requiredString } from './input';
import { answer } from './output';
import type { HookInput, HookOutcome } from './types';

export function handle(input: HookInput): HookOutcome {
  return answer('WorktreeRemove', removeWorktree(agentEvent(input), requiredString(input, 'worktree_path')));
}
