// `store migrate` moves the handoff messages still to be told along with the leases, through the
// compiled CLI and hooks against a real PostgreSQL server: an ask made on SQLite reaches its
// holder once on PostgreSQL, a reply made there reaches its asker once back on SQLite, and the
// ask the holder was told on PostgreSQL is not told again on SQLite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { makeCliRepo, type CliRepo } from './support/cli';
import { fixture, hookEnv, runHook } from './support/hooks';
import { NO_POSTGRES, sharedPostgres } from './support/postgres';

const HOLDER = 'holder-session';
const ASKER = 'asker-session';

/** The handoff context `session`'s next prompt gets on the store `env` names. */
function toldAtPrompt(repo: CliRepo, session: string, env: NodeJS.ProcessEnv): string {
  const run = runHook('user-prompt-submit', fixture('user-prompt-submit', repo.root, session), { env: hookEnv(repo.env, env) });
  assert.equal(run.status, 0, run.stderr);
  return run.json?.hookSpecificOutput?.additionalContext ?? '';
}

function as(session: string, env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv } {
  return { env: { ...env, AGENT_LEASE_SESSION: session } };
}

test('store migrate carries undelivered asks and replies both ways: each is told once, on the store in use', { skip: NO_POSTGRES }, async (t) => {
  const repo = makeCliRepo();
  t.after(() => repo.cleanup());
  repo.git(['remote', 'add', 'origin', `git@example.com:team/app-${randomUUID()}.git`]);
  const { url } = await sharedPostgres();
  const team = { AGENT_LEASE_STORE: url };
  const sqlite = {};

  const edit = runHook(
    'pre-tool-use',
    fixture('pre-tool-use.write', repo.root, HOLDER, { tool_input: { file_path: join(repo.root, 'src/a.ts'), content: 'x' } }),
    { env: hookEnv(repo.env) },
  );
  assert.deepEqual([edit.status, edit.stdout], [0, ''], 'the holder leases src/a.ts on SQLite');
  const asked = repo.cli(['ask', 'src/a.ts', '--message', 'may I have it?'], as(ASKER, sqlite));
  assert.equal(asked.status, 0, asked.stderr);

  const first = repo.json(['store', 'migrate', '--to', url, '--json']);
  assert.deepEqual([first.sessions, first.leases, first.messages, first.refused], [2, 1, 1, []]);
  const again = repo.json(['store', 'migrate', '--to', url, '--json']);
  assert.deepEqual([again.sessions, again.leases, again.messages, again.present], [0, 0, 0, 2], 'nothing twice');

  assert.match(toldAtPrompt(repo, HOLDER, team), /^- request \d+: asker-s\S* asks you for src\/a\.ts, which you hold: "may I have it\?"/m);
  assert.equal(toldAtPrompt(repo, HOLDER, team), '', 'told once');
  assert.equal(repo.json(['store', 'migrate', '--to', url, '--json']).messages, 0, 'a migrate after the delivery brings nothing back');
  assert.equal(toldAtPrompt(repo, HOLDER, team), '', 'still told once');

  const replied = repo.cli(['reply', '--message', 'in ten minutes'], as(HOLDER, team));
  assert.equal(replied.status, 0, replied.stderr);
  const back = repo.json(['store', 'migrate', '--to', 'sqlite', '--json'], { env: team });
  assert.deepEqual([back.from.engine, back.sessions, back.messages], ['postgres', 0, 1], 'the reply is copied, the ask is there already');
  assert.equal(toldAtPrompt(repo, HOLDER, sqlite), '', 'the ask told on PostgreSQL is not told again on SQLite');
  assert.match(toldAtPrompt(repo, ASKER, sqlite), /^- holder-s\S* replied to your request for src\/a\.ts: "in ten minutes"$/m);
  assert.equal(toldAtPrompt(repo, ASKER, sqlite), '', 'told once');
  assert.equal(repo.json(['store', 'migrate', '--to', 'sqlite', '--json'], { env: team }).messages, 0);
  assert.equal(toldAtPrompt(repo, ASKER, sqlite), '', 'still told once');
});
