// `store migrate` moves the handoff messages still to be told along with the leases, through the
// compiled CLI and hooks against a real PostgreSQL server: an ask made on SQLite reaches its
// holder once on PostgreSQL, a reply made there reaches its asker once back on SQLite, and the
// ask the holder was told on PostgreSQL is not told again on SQLite; an ask whose lease passed to
// a branch hold is told to its asker once, wherever it is told.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { all } from '../lib/core/store';
import { openPostgresStore } from '../lib/postgres/store';
import type { CliRepo } from './support/cli';
import { fixture, hookEnv, runHook } from './support/hooks';
import { NO_POSTGRES } from './support/postgres';
import { teamRepo } from './support/team-repo';

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
  const { repo, url, team, repository } = await teamRepo(t);
  const sqlite = {};
  // PostgreSQL's tokens run ahead of SQLite's: a copied ask must name the lease by the token PostgreSQL gave it.
  for (const file of ['src/x.ts', 'src/y.ts']) {
    assert.equal(repo.cli(['claim', file, '--as', 'earlier'], { env: team }).status, 0);
    assert.equal(repo.cli(['release', file, '--as', 'earlier'], { env: team }).status, 0);
  }

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
  const status = repo.json(['status', '--json'], { env: team }) as { leases: Array<{ pattern: string; token: number }> };
  const token = status.leases.find((lease) => lease.pattern === 'src/a.ts')!.token;
  assert.ok(token > 2, `the lease has a token of PostgreSQL's own (${token})`);
  const server = openPostgresStore({ url, repository });
  t.after(() => server.close());
  const copied = await server.read(() => all<{ kind: string; token: number }>('SELECT kind, token FROM messages'));
  assert.deepEqual(copied, [{ kind: 'ask', token }], 'the ask names the lease as PostgreSQL numbers it');

  assert.match(toldAtPrompt(repo, HOLDER, team), /^- request \d+: asker-s\S* asks you for src\/a\.ts, which you hold: "may I have it\?"/m);
  assert.equal(toldAtPrompt(repo, HOLDER, team), '', 'told once');
  assert.equal(repo.json(['store', 'migrate', '--to', url, '--json']).messages, 0, 'a migrate after the delivery brings nothing back');
  assert.equal(toldAtPrompt(repo, HOLDER, team), '', 'still told once');

  const replied = repo.cli(['reply', '--message', 'in ten minutes'], as(HOLDER, team));
  assert.equal(replied.status, 0, replied.stderr);
  const back = repo.json(['store', 'migrate', '--to', 'sqlite', '--json'], { env: team });
  assert.deepEqual([back.from.engine, back.messages], ['postgres', 1], 'the reply is copied, the ask is there already');
  assert.equal(toldAtPrompt(repo, HOLDER, sqlite), '', 'the ask told on PostgreSQL is not told again on SQLite');
  assert.match(toldAtPrompt(repo, ASKER, sqlite), /^- holder-s\S* replied to your request for src\/a\.ts: "in ten minutes"$/m);
  assert.equal(toldAtPrompt(repo, ASKER, sqlite), '', 'told once');
  assert.equal(repo.json(['store', 'migrate', '--to', 'sqlite', '--json'], { env: team }).messages, 0);
  assert.equal(toldAtPrompt(repo, ASKER, sqlite), '', 'still told once');
});

test('an ask whose lease passed to a branch hold: its asker is told once across the move, and not again after moving back', {
  skip: NO_POSTGRES,
}, async (t) => {
  const { repo, url, team } = await teamRepo(t);
  const feature = join(repo.base, 'feature-a');
  repo.git(['worktree', 'add', '-q', '-b', 'feature-a', feature]);
  assert.equal(repo.cli(['claim', 'src/h.ts', '--as', 'alice'], { cwd: feature }).status, 0);
  assert.equal(toldAtPrompt(repo, ASKER, {}), '', 'the asker has a session of its own');
  const asked = repo.cli(['ask', 'src/h.ts', '--message', 'may I have h?', '--session', ASKER]);
  assert.equal(asked.status, 0, asked.stderr);
  repo.write('src/h.ts', 'alice was here\n', feature);
  repo.git(['-C', feature, 'add', 'src/h.ts']);
  repo.git(['-C', feature, 'commit', '-q', '-m', 'alice: h']);
  const released = repo.cli(['release', 'src/h.ts', '--as', 'alice'], { cwd: feature });
  assert.equal(released.status, 0, released.stderr);

  const moved = repo.json(['store', 'migrate', '--to', url, '--json']);
  assert.deepEqual([moved.holds, moved.messages], [1, 1]);
  assert.match(toldAtPrompt(repo, ASKER, team), /^- alice released src\/h\.ts, which you asked for, but its change is committed on branch feature-a /m);
  assert.equal(toldAtPrompt(repo, ASKER, team), '', 'told once');

  const back = repo.json(['store', 'migrate', '--to', 'sqlite', '--json'], { env: team });
  assert.equal(back.messages, 1, "the branch's notice comes back, as told");
  assert.equal(toldAtPrompt(repo, ASKER, {}), '', 'not told again on SQLite');
});
