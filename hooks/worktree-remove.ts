// WorktreeRemove: the leases on changes in that worktree end (lib/decisions/worktree-remove.ts).
import { removeWorktree } from '../lib/decisions/worktree-remove';
import { agentEvent } from './event';
import { requiredString } from './input';
import { answer } from './output';
import type { HookInput, HookOutcome } from './types';

export async function handle(input: HookInput): Promise<HookOutcome> {
  return answer('WorktreeRemove', await removeWorktree(agentEvent(input), requiredString(input, 'worktree_path')));
}
