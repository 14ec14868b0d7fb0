import { EXIT } from '../../lib/util/errors';
import { describeHeldLease } from '../../lib/core/lease-wording';
import { release } from '../../lib/core/release';
import { IDENTITY_HELP, IDENTITY_OPTIONS, parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';
import { actingIdentity, commandContext, sessionIdentity, type CommandContext } from '../context';
import { releaseBranch } from '../../lib/core/branch-holds';
import { selectLeases, toLease } from '../../lib/core/lease-rows';
import type { ReleaseOptions } from '../../lib/core/release';
import type { Store } from '../../lib/core/store';
import type { Lease } from '../../lib/core/lease-types';
import { passEndingLeases, type EndingOutcome } from '../../lib/holds/ending';
import { shellWord } from '../../lib/util/text';
import { shortSessionId } from '../../lib/core/sessions';
import { refreshView } from '../view-refresh';
import { writeErr, writeJson, writeOut } from '../output';
import { toHeldView, toLeaseView } from '../status-view';
import { repoPattern } from '../path-arguments';

const USAGE = `usage: agent-lease release (<pattern...> | --all | --branch NAME) [--force] [--json]

Gives leases back: those on the named patterns (as they were claimed, relative to the current
directory), or every lease of your session with --all. A file whose change is committed on your
branch and not merged yet stays held by the branch (a branch hold) until it is merged.

  --all           every lease your session holds
  --branch NAME   end every branch hold of branch NAME now, merged or not (logged)
  --force         release other sessions' leases on the named patterns too (logged as forced),
                  or act for another agent's session with --session (logged)
  --json          print {"released": [...], "refused": [...], "unmatched": [...]}
${IDENTITY_HELP}`;

const OPTIONS = {
  ...IDENTITY_OPTIONS,
  all: { type: 'boolean' },
  branch: { type: 'string' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    if (values.branch !== undefined) {
      if (positionals.length > 0 || values.all) throw usageError('give --branch alone, without patterns or --all', USAGE);
      return releaseBranchHolds(values.branch, values);
    }
    if (positionals.length === 0 && !values.all) throw usageError('name the patterns to release, or give --all', USAGE);
    if (positionals.length > 0 && values.all) throw usageError('give patterns or --all, not both', USAGE);
    const context = commandContext();
    const patterns = positionals.map((argument) => repoPattern(argument, context).pattern);
    const store = context.existingStore();
    const { id } = await actingIdentity(store, values, 'release');
    const selection = { patterns, all: values.all === true, force: values.force === true };
    const passed = store === null ? null : await passReleasedToBranch(store, context, id, selection);
    const result = store === null ? { released: [], refused: [] } : await release(store, id, selection);
    if (result.released.length > 0) await refreshView(context);
    const touched = new Set([...result.released, ...result.refused, ...(passed?.leases ?? [])].map((lease) => lease.pattern));
    const unmatched = patterns.filter((pattern) => !touched.has(pattern));
    const now = Date.now();
    if (values.json) {
      writeJson({
        released: result.released.map((lease) => toLeaseView(lease, { name: lease.sessionId, alive: true }, now)),
        refused: result.refused.map((lease) => toHeldView(lease, now)),
        heldByBranch: (passed?.held ?? []).map((hold) => ({ token: hold.token, pattern: hold.path, branch: hold.branch, commit: hold.commit })),
        unmatched,
      });
    } else {
      for (const lease of result.released) {
        writeOut(`released ${lease.pattern} (token ${lease.token}${lease.sessionId === id ? '' : `, held by ${shortSessionId(lease.sessionId)}`})`);
      }
      for (const hold of passed?.held ?? []) {
        writeOut(
          `${hold.path} stays held by branch ${hold.branch} until it is merged into ${passed!.integration}: its change is committed there; to free it, bring the branch in (git merge ${shellWord(hold.branch)})`,
        );
      }
      for (const note of passed?.notes ?? []) writeErr(note);
      for (const lease of result.refused) writeOut(`not released ${lease.pattern}: ${describeHeldLease(lease, now)}`);
      for (const pattern of unmatched) writeErr(`agent-lease release: no live lease on ${pattern}`);
      if (values.all && result.released.length === 0) writeErr(`agent-lease release: ${shortSessionId(id)} holds no leases`);
    }
    if (result.refused.length === 0) return EXIT.ok;
    writeErr(`agent-lease release: ${result.refused.length} lease(s) belong to other sessions; add --force to release them anyway`);
    return EXIT.conflict;
  },
};

/**
 * The leases this release ends whose change is committed and not merged pass to their branch first
 * (releasing them would recreate the collision a handoff is meant to avoid).
 */
async function passReleasedToBranch(
  store: Store,
  context: CommandContext,
  id: string,
  selection: ReleaseOptions,
): Promise<EndingOutcome & { leases: Lease[] }> {
  const rows = (await store.read(() => selectLeases(id, selection))).filter((row) => row.session_id === id || selection.force);
  const leases = rows.map((row) => toLease(row));
  const outcome = await passEndingLeases(store, context.config, leases, { verify: true, sessionWorktree: context.repo.worktreeRoot, actor: null });
  const passed = new Set(outcome.held.map((hold) => hold.token));
  return { ...outcome, leases: leases.filter((lease) => passed.has(lease.token)) };
}

async function releaseBranchHolds(
  branch: string,
  values: { json?: boolean | undefined; session?: string | undefined; as?: string | undefined },
): Promise<number> {
  const context = commandContext();
  const store = context.existingStore();
  const actor = sessionIdentity(values).id;
  const ended = store === null ? [] : await releaseBranch(store, branch, actor);
  if (ended.length > 0) await refreshView(context);
  const now = Date.now();
  if (values.json) writeJson({ released: ended.map((lease) => toHeldView(lease, now)) });
  else if (ended.length === 0) writeErr(`agent-lease release: branch ${branch} holds nothing`);
  else for (const lease of ended) writeOut(`released ${lease.pattern} (branch hold of ${branch}, token ${lease.token})`);
  return EXIT.ok;
}
