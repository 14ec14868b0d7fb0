// Store contents shared by the benchmarks.
import { acquire } from '../lib/core/acquire';
import { registerSession } from '../lib/core/sessions';
import type { Store } from '../lib/core/store';

/**
 * `total` live leases over 100 command-line sessions, a realistic mix: four in five are exact files,
 * one in five a glob, spread over 200 packages of 7 modules each.
 */
export async function populateLeases(store: Store, total = 10_000, sessions = 100): Promise<void> {
  const perSession = Math.ceil(total / sessions);
  for (let s = 0; s < sessions; s++) {
    await registerSession(store, { id: `bench-${s}`, runtime: 'cli', worktree: `/bench/wt-${s}`, branch: `b${s}` });
    const patterns: string[] = [];
    for (let i = 0; i < perSession && s * perSession + i < total; i++) {
      const n = s * perSession + i;
      const dir = `pkg${n % 200}/src/m${n % 7}`;
      patterns.push(i % 5 === 4 ? `${dir}/**/*.gen${n}.ts` : `${dir}/file${n}.ts`);
    }
    const result = await acquire(store, `bench-${s}`, patterns, { ttlMs: 6 * 3_600_000 });
    if (!result.ok) throw new Error(`populating failed: ${result.conflicts.length} conflicts`);
  }
}

/** A PreToolUse hook input as Claude Code sends it, for `session` working in `root`. */
export function preToolUseInput(session: string, root: string, toolName: string, toolInput: Record<string, unknown>): string {
  return JSON.stringify({
    session_id: session,
    transcript_path: '/dev/null',
    cwd: root,
    permission_mode: 'default',
    hook_event_name: 'PreToolUse',
    tool_name: toolName,
    tool_input: toolInput,
    tool_use_id: 'toolu_bench',
  });
}
