// The `.agent-lease.json` schema. zod is slow to load, so only `config.ts` requires this module,
// and only when the file changed since it was last validated.
import { z } from 'zod';
import { MAX_DURATION_TEXT, parseDuration } from '../util/duration';
import { PASSWORD_IN_CONFIG, postgresUrlProblem, urlHasPassword } from './store-url';

export const duration = z.union([z.string(), z.number()]).transform((value, context) => {
  const ms = parseDuration(value);
  if (ms === null) {
    context.addIssue({
      code: 'custom',
      message: `expected a duration like "90s", "45m" or "2h" (or seconds), at most ${MAX_DURATION_TEXT}, got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return ms;
});

/** `"sqlite"`, or a PostgreSQL server named without a password (the file is committed). */
const store = z.string().superRefine((value, context) => {
  if (value === 'sqlite') return;
  const problem = postgresUrlProblem(value);
  if (problem !== null) context.addIssue({ code: 'custom', message: problem });
  else if (urlHasPassword(value)) context.addIssue({ code: 'custom', message: PASSWORD_IN_CONFIG });
});

export const configSchema = z
  .object({
    ttl: z.object({ edit: duration.optional(), claim: duration.optional() }).strict().optional(),
    ignore: z.array(z.string().min(1)).optional(),
    guard: z
      .object({ onStoreError: z.enum(['refuse', 'warn']).optional() })
      .strict()
      .optional(),
    hooks: z
      .object({ onStoreError: z.enum(['allow', 'deny']).optional() })
      .strict()
      .optional(),
    retention: duration.optional(),
    integrationBranch: z.string().min(1).optional(),
    branchHolds: z
      .object({ mode: z.enum(['deny', 'warn', 'off']).optional(), ttl: duration.optional(), personCommits: z.enum(['warn', 'refuse']).optional() })
      .strict()
      .optional(),
    store: store.optional(),
    repositoryId: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

/** The first problem with `value`, as `field.path: message`, or the parsed file. */
export function validateConfig(value: unknown): { ok: true; value: z.output<typeof configSchema> } | { ok: false; problem: string } {
  const parsed = configSchema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problem: describeFirstIssue(parsed.error) };
}

/** A validation failure in one line: `field.path: message`. */
export function describeFirstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  const message =
    issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
  return `${field}: ${message}`;
}
