// The lease tools the model calls, each acting as the session of the agent that started the
// server (workspace.ts). Answers are plain text for a model; other sessions' names, tasks and
// paths in them are quoted as data (lib/core/lease-wording.ts). There is no force: taking another
// session's lease or acting for it is for people, through the command line.
import { z } from 'zod';
import { acquire } from '../lib/core/acquire';
import { askHolders, replyToAsk } from '../lib/core/handoff';
import { listLeases, who } from '../lib/core/lease-queries';
import { describeHeldLease } from '../lib/core/lease-wording';
import type { Lease } from '../lib/core/lease-types';
import { release } from '../lib/core/release';
import { waitUntilFree } from '../lib/core/wait';
import { heldByBranchText } from '../lib/decisions/handoff';
import { nextSteps } from '../lib/decisions/wording';
import { hasPendingChange } from '../lib/git/changes';
import { formatDuration, parseDuration } from '../lib/util/duration';
import { AgentLeaseError } from '../lib/util/errors';
import { dataWord } from '../lib/util/text';
import { leasePath, leaseTarget } from './targets';
import type { Workspace } from './workspace';

const DEFAULT_WAIT_MS = 5 * 60_000;

const duration = z.string().describe('a duration such as 90s, 45m or 2h');
const paths = z.array(z.string().min(1)).min(1).max(100);

export interface LeaseTool {
  description: string;
  input: z.ZodObject;
  run(workspace: Workspace, args: never, signal: AbortSignal): string | Promise<string>;
}

function tool<S extends z.ZodObject>(
  description: string,
  input: S,
  run: (workspace: Workspace, args: z.infer<S>, signal: AbortSignal) => string | Promise<string>,
): LeaseTool {
  return { description, input, run: run as LeaseTool['run'] };
}

export const LEASE_TOOLS: Record<string, LeaseTool> = {
  status: tool('Your session, your leases, and the live leases of the other sessions working in this repository.', z.object({}), async (workspace) => {
    const me = await workspace.session();
    const now = workspace.store.now();
    const leases = await listLeases(workspace.store);
    const mine = leases.filter((lease) => lease.holder.id === me);
    const others = leases.filter((lease) => lease.holder.id !== me);
    return [
      `You are session ${dataWord(me)}.`,
      mine.length === 0 ? 'You hold no leases.' : 'Your leases:',
      ...mine.map((lease) => `- ${leaseLine(lease, now)}`),
      others.length === 0 ? 'No other session holds a lease.' : "Other sessions' leases:",
      ...others.map((lease) => `- ${describeHeldLease(lease, now)}`),
    ].join('\n');
  }),

  who: tool(
    'Who holds each path (relative to the repository root, or absolute): the live leases covering it. Changes nothing.',
    z.object({ paths: paths.describe('files to look up') }),
    async (workspace, { paths }) => {
      const now = workspace.store.now();
      const answers: string[] = [];
      for (const argument of paths) {
        const path = leasePath(workspace, argument);
        const holders = await who(workspace.store, path);
        answers.push(
          holders.length === 0 ? `${dataWord(path)}: free` : [`${dataWord(path)}:`, ...holders.map((lease) => `- ${describeHeldLease(lease, now)}`)].join('\n'),
        );
      }
      return answers.join('\n');
    },
  ),

  claim: tool(
    'Lease files or globs (relative to the repository root) for your session before working on them, all or nothing: when another session holds an overlapping lease nothing is granted and the holders are named. Edits take a lease by themselves; claim an area up front to keep others out of it.',
    z.object({
      patterns: paths.describe('paths or globs, e.g. ["src/auth/**"]'),
      task: z.string().max(200).optional().describe('why, shown to the other sessions'),
      ttl: duration.optional().describe('how long the lease lasts (default from .agent-lease.json, else 1h)'),
      shared: z.boolean().optional().describe('a shared lease: others may hold shared leases on the same paths'),
    }),
    async (workspace, args) => {
      const targets = args.patterns.map((argument) => leaseTarget(workspace, argument));
      const result = await acquire(workspace.store, await workspace.session(), targets, {
        mode: args.shared ? 'shared' : 'exclusive',
        ttlMs: args.ttl === undefined ? workspace.config().ttl.claimMs : durationOf(args.ttl, 'ttl'),
        task: args.task ?? null,
        source: 'claim',
        pendingChange: hasPendingChange,
      });
      const now = workspace.store.now();
      if (!result.ok) {
        return [
          'Nothing was granted: another session holds part of it.',
          ...result.conflicts.map((conflict) => `- ${dataWord(conflict.pattern)}: ${describeHeldLease(conflict.held, now)}`),
          nextSteps([...new Set(result.conflicts.map((conflict) => conflict.pattern))], result.conflicts, now),
        ].join('\n');
      }
      return [...result.granted.map((lease) => `granted ${leaseLine(lease, now)}`), ...result.renewed.map((lease) => `renewed ${leaseLine(lease, now)}`)].join(
        '\n',
      );
    },
  ),

  release: tool(
    'Give your leases back: those on the named patterns (as claimed), or all of them. Only your own.',
    z.object({
      patterns: paths.optional().describe('the patterns to release, as they were claimed'),
      all: z.boolean().optional().describe('release every lease your session holds'),
    }),
    async (workspace, args) => {
      if ((args.patterns === undefined) === (args.all !== true)) throw new AgentLeaseError('give patterns or all: true (not both)');
      const patterns = args.patterns?.map((argument) => leaseTarget(workspace, argument).pattern);
      const result = await release(workspace.store, await workspace.session(), { patterns, all: args.all === true });
      const lines = result.released.map((lease) => `released ${dataWord(lease.pattern)} (token ${lease.token})`);
      const touched = new Set([...result.released, ...result.refused].map((lease) => lease.pattern));
      for (const pattern of patterns ?? []) if (!touched.has(pattern)) lines.push(`you hold no lease on ${dataWord(pattern)}`);
      for (const lease of result.refused) lines.push(`not yours: ${describeHeldLease(lease, workspace.store.now())}`);
      return lines.length === 0 ? 'You held no leases.' : lines.join('\n');
    },
  ),

  wait: tool(
    'Wait until files are free for you (released with nothing pending, expired, or their holder gone), at most timeout (default 5m). With claim: true they are leased to you in the same step that finds them free, so no other waiter gets them first.',
    z.object({
      paths: paths.describe('paths or globs to wait for'),
      timeout: duration.optional().describe('how long to wait at most (default 5m)'),
      claim: z.boolean().optional().describe('lease them to you as soon as they are free'),
      task: z.string().max(200).optional().describe('with claim: why, shown to the other sessions'),
    }),
    async (workspace, args, signal) => {
      const targets = args.paths.map((argument) => leaseTarget(workspace, argument));
      const outcome = await waitUntilFree(workspace.store, await workspace.session(), targets, {
        timeoutMs: args.timeout === undefined ? DEFAULT_WAIT_MS : durationOf(args.timeout, 'timeout'),
        claim: args.claim === true,
        task: args.task ?? null,
        ttlMs: workspace.config().ttl.claimMs,
        pendingChange: hasPendingChange,
        signal,
      });
      const now = workspace.store.now();
      if (!outcome.free) {
        return [
          `Still held after ${formatDuration(outcome.waitedMs)}:`,
          ...outcome.result.conflicts.map((conflict) => `- ${describeHeldLease(conflict.held, now)}`),
        ].join('\n');
      }
      const leases = [...outcome.result.granted, ...outcome.result.renewed];
      if (args.claim) return leases.map((lease) => `granted ${leaseLine(lease, now)}`).join('\n');
      return `free: ${targets.map((target) => dataWord(target.pattern)).join(', ')} (after ${formatDuration(outcome.waitedMs)})`;
    },
  ),

  ask: tool(
    "Ask the sessions holding a file to hand it over. Each is told your message once, at its next step; it may release the file or reply, and a reply reaches you the same way. A file held by another branch's unmerged commit has nobody to ask: you are told which branch to merge instead (also when the session you asked releases the file into such a hold).",
    z.object({
      path: z.string().min(1).describe('the file you need'),
      message: z.string().min(1).max(1000).describe('what you need and why'),
    }),
    async (workspace, args) => {
      const asked = await askHolders(workspace.store, await workspace.session(), leasePath(workspace, args.path), args.message);
      return [
        ...asked.sent.map((message) => `asked ${dataWord(message.to)} (request ${message.id}): it is told at its next step`),
        ...asked.holds.map(heldByBranchText),
      ].join('\n');
    },
  ),

  reply: tool(
    'Answer a handoff request made to your session (the latest, or request `to`). The asker is told once, at its next step.',
    z.object({
      message: z.string().min(1).max(1000).describe('your answer'),
      to: z.number().int().positive().optional().describe('the request number the request named'),
    }),
    async (workspace, args) => {
      const sent = await replyToAsk(workspace.store, await workspace.session(), args.message, args.to);
      return `replied to ${dataWord(sent.to)} (request ${sent.replyTo}): it is told at its next step`;
    },
  ),
};

function leaseLine(lease: Lease, now: number): string {
  return `${dataWord(lease.pattern)} (${lease.mode}, ${formatDuration(lease.expiresAt.getTime() - now)} left, token ${lease.token})`;
}

function durationOf(text: string, name: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new AgentLeaseError(`${name} takes a duration like 90s, 45m or 2h, not ${JSON.stringify(text)}`);
  return ms;
}
