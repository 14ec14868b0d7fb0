// Editing inside an area the session shares with others (each holds it `shared`, as `claim
// --shared` takes it): the sessions agreed that they may all work there, so the edit is taken
// shared and goes ahead, and the model is told what the others have changed in the file (their
// worktree against the integration branch: `git diff --stat`, and the diff when short), so that it
// builds on their work instead of diverging. Git runs only when another session shares the file.
import type { Conflict } from '../core/lease-types';
import { workingChangeSummary } from '../git/integration';
import { dataWord } from '../util/text';
import { indented, safely } from './branch-hold-notes';
import { existsSync } from 'node:fs';

/** What each other session sharing `path` has changed in it, seen from its worktree (not the asker's); null when none has. */
export function sharedChangesContext(shared: Conflict[], path: string, integrationRef: () => string | null, asker: string): string | null {
  if (shared.length === 0) return null;
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
