// SessionEnd: releases every lease of the session and marks it ended. Claude Code does not always
// send it (a crash, a kill), so liveness and TTLs remain the real cleanup; this one is the fast path.
import { endSession } from '../lib/core/sessions';
import { hookContext, withStore } from '../lib/decisions/context';
import { optionalString } from './input';
import { tellUser } from './output';
import type { HookInput, HookOutcome } from './types';

export function handle(input: HookInput): HookOutcome {
  const reason = optionalString(input, 'reason') ?? 'other';
  const context = hookContext(input);
  if (context === null) return {};
  const result = withStore(context, (store) => endSession(store, context.sessionId, `session-end (${reason})`));
  if (!result.ok) return tellUser(`${result.problem}; this session's leases stay until they expire`);
  return {};
}
