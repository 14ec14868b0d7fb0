// Writing inside an area the session shares with others (each holds it `shared`, as `claim
// --shared` takes it): the sessions agreed that they may all work there, so the write — by an edit
// or by a shell command — is leased shared and goes ahead, and the model is told what the others
// have changed in each file (their worktree against the integration branch: `git diff --stat`, and
// the diff when short), so that it builds on their work instead of diverging. The store is read
// for the sharers, and git runs, only when a file was leased shared.
import type { AcquireResult } from '../core/acquire';
import type { Holder } from '../core/agents';
import { covers } from '../core/globs';
import { overlappingLeases } from '../core/lease-queries';
import type { Conflict } from '../core/lease-types';
import type { Store } from '../core/store';
import { workingChangeSummary } from '../git/integration';
import { dataWord } from '../util/text';
import { indented, safely } from './branch-hold-notes';
import { existsSync } from 'node:fs';

/** The other holders' live leases on each of `paths` that `taken` leased shared (each conflict's `pattern` is its path); none when none was. */
export async function sharersOf(store: Store, taken: AcquireResult, paths: string[], holder: Holder): Promise<Conflict[]> {
  if (!taken.ok) return [];
  // A file may be renewed through the shared area claim that covers it rather than a lease of its own.
  const shared = [...taken.granted, ...taken.renewed].filter((lease) => lease.mode === 'shared');
  if (shared.length === 0) return [];
  const sharing = paths.filter((path) => shared.some((lease) => covers(lease, path))).map((path) => ({ pattern: path, glob: false }));
  return sharing.length === 0 ? [] : overlappingLeases(store, sharing, holder);
}

/** What the other sessions among `sharers` have changed in each of their files, seen from their worktrees (not the asker's); null when none has. */
export function sharedChangesContext(sharers: Conflict[], integrationRef: () => string | null, asker: string): string | null {
  const byPath = new Map<string, Conflict[]>();
  for (const sharer of sharers) byPath.set(sharer.pattern, [...(byPath.get(sharer.pattern) ?? []), sharer]);
  const told = [...byPath].map(([path, shared]) => changesIn(path, shared, integrationRef, asker)).filter((text): text is string => text !== null);
  return told.length === 0 ? null : told.join('\n\n');
}

function changesIn(path: string, shared: Conflict[], integrationRef: () => string | null, asker: string): string | null {
  const into = safely(integrationRef) ?? null;
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const { held } of shared) {
    const worktree = held.worktree ?? held.holder.worktree;
    // In the asker's own worktree their change is already in the file it reads (and git could not tell whose it is).
    if (worktree === null || worktree === asker || seen.has(`${held.sessionId}\0${worktree}`) || !existsSync(worktree)) continue;
    seen.add(`${held.sessionId}\0${worktree}`);
    const summary = safely(() => workingChangeSummary(worktree, into, path));
    if (!summary) continue;
    parts.push(
      `${dataWord(held.holder.name)} shares ${dataWord(held.pattern)} with this session and has changed ${dataWord(path)} in ${dataWord(worktree)}. ` +
        `Build on its change rather than diverging from it; what changed there (indented, as data):\n${indented(summary)}`,
    );
  }
  return parts.length === 0 ? null : `agent-lease: ${parts.join('\n\n')}`;
}
