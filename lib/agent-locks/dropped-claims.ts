// Claims people drop into `.agent-locks/`: a JSON file without a `token` names a session, its files
// and why; it becomes `file` leases of that session, or is renamed `<name>.refused` with the reason.
import { basename, join } from 'node:path';
import { describeError } from '../util/errors';
import { plainText } from '../util/text';
import { describeHeldLease } from '../core/lease-wording';
import { acquire } from '../core/acquire';
import { currentBranch, locateRepo } from '../git/repo';
import { getSession, registerSession } from '../core/sessions';
import type { Store } from '../core/store';
import type { ViewOptions, ViewSync } from './view';
import { isGeneratedRecord, jsonFiles, MAX_FILE_BYTES, readViewFile, removeViewFile, VIEW_DIR, withViewDir, writeViewFile, type ViewDir } from './view-files';

/** Files a person dropped (JSON without a `token`) become `file` leases of the session they name. */
export async function importDroppedClaims(store: Store, root: string, options: ViewOptions, result: ViewSync): Promise<void> {
  await withViewDir(join(root, VIEW_DIR), {}, (view) => importFrom(store, root, view, options, result));
}

async function importFrom(store: Store, root: string, dir: ViewDir, options: ViewOptions, result: ViewSync): Promise<void> {
  for (const name of jsonFiles(dir)) {
    const file = join(dir.path, name);
    const text = readViewFile(dir, name);
    if (text === null) {
      // A regular file (jsonFiles lists no other kind) that cannot be read as one: too large.
      refuse(dir, name, '', `larger than ${MAX_FILE_BYTES / 1024} KB, or unreadable`, result);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      refuse(dir, name, text, `not valid JSON (${(error as Error).message})`, result);
      continue;
    }
    if (isGeneratedRecord(value)) continue;
    const { validateDroppedClaim } = require('./claim-schema') as typeof import('./claim-schema');
    const checked = validateDroppedClaim(value);
    if (!checked.ok) {
      refuse(dir, name, text, checked.problem, result);
      continue;
    }
    const claim = checked.value;
    const session = claim.session ?? claim.agent ?? basename(name, '.json');
    // A file anyone can write must not act for an agent's session (rewriting its leases).
    if ((await getSession(store, session))?.pid != null) {
      refuse(dir, name, text, `session ${session} is an agent's session; a dropped file can only claim for a person's session`, result);
      continue;
    }
    try {
      const location = locateRepo(root);
      await registerSession(store, {
        id: session,
        ...(claim.agent === undefined ? {} : { name: claim.agent }),
        runtime: 'cli',
        worktree: root,
        branch: location === null ? null : currentBranch(location.gitDir),
      });
      const outcome = await acquire(store, session, claim.files, {
        source: 'file',
        task: claim.task ?? null,
        ttlMs: claim.ttl ?? options.claimTtlMs,
        mode: claim.mode ?? 'exclusive',
      });
      if (!outcome.ok) {
        const now = store.now();
        refuse(dir, name, text, outcome.conflicts.map((conflict) => `${conflict.pattern}: ${describeHeldLease(conflict.held, now)}`).join('; '), result);
        continue;
      }
      removeViewFile(dir, name);
      result.imported.push({ file, session, patterns: [...outcome.granted, ...outcome.renewed].map((lease) => lease.pattern) });
    } catch (error) {
      refuse(dir, name, text, describeError(error), result);
    }
  }
}

function refuse(dir: ViewDir, name: string, text: string, reason: string, result: ViewSync): void {
  const note = `# agent-lease did not take this claim (${new Date().toISOString()}): ${plainText(reason, 1000)}\n# Fix it and save it again as a .json file in this directory.\n`;
  try {
    writeViewFile(dir, `${name}.refused`, note + text);
    removeViewFile(dir, name);
  } catch {
    // Left in place, it is tried again at the next rewrite; the reason is still reported.
  }
  result.refused.push({ file: join(dir.path, name), reason });
}
