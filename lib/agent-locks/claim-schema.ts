// The format of a claim a person drops into `.agent-locks/`. zod is slow to load, so only
// lock-files.ts requires this module, and only when such a file is there.
import { z } from 'zod';
import { describeFirstIssue, duration } from '../config/schema';

export const droppedClaimSchema = z
  .object({
    agent: z.string().trim().min(1).optional(),
    session: z.string().trim().min(1).optional(),
    task: z.string().optional(),
    files: z.array(z.string().min(1)).min(1),
    ttl: duration.optional(),
    mode: z.enum(['exclusive', 'shared']).optional(),
  })
  .strict();

export type DroppedClaim = z.output<typeof droppedClaimSchema>;

/** The first problem with `value`, as `field: message`, or the parsed claim. */
export function validateDroppedClaim(value: unknown): { ok: true; value: DroppedClaim } | { ok: false; problem: string } {
  const parsed = droppedClaimSchema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problem: describeFirstIssue(parsed.error) };
}
