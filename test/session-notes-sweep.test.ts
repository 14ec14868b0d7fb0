// The per-session notes of worktrees outside the cwd (lib/decisions/session-worktrees.ts) of
// sessions that crashed, and so never reached SessionEnd, are removed by a later SessionStart once
// unused for longer than any lease lasts; a tool call never sweeps, and a note in use stays.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixture, hookEnv, runHook, tempRepo } from './support/hooks';

const A = '9d3c1f7e-1111-4a2b-9c1d-0a1b2c3d4e5f';
const DAY = 24 * 3_600_000;

test('SessionStart removes the notes of sessions unused for longer than the longest TTL, and keeps the others', (t) => {
  const repo = tempRepo(t);
  const state = join(repo.base, 'state');
  const env = hookEnv(repo.env, { XDG_STATE_HOME: state });
  const notes = join(state, 'agent-lease', 'sessions');
  mkdirSync(notes, { recursive: true });
  const note = (name: string, ageMs: number): string => {
    const file = join(notes, name);
    writeFileSync(file, `${JSON.stringify(repo.addWorktree(`wt-${name}`))}\n`);
    const then = new Date(Date.now() - ageMs);
    utimesSync(file, then, then);
    return file;
  };
  // The longest TTL here: branch holds, two weeks by default.
  const crashed = note('crashed-long-ago.worktrees', 15 * DAY);
  const recent = note('recent.worktrees', 13 * DAY);
  const other = note('not-a-note.txt', 30 * DAY);

  const edit = runHook('pre-tool-use', fixture('pre-tool-use.write', repo.root, A), { env });
  assert.equal(edit.status, 0, edit.stderr);
  assert.equal(existsSync(crashed), true, 'a tool call does not sweep');

  const start = runHook('session-start', fixture('session-start.startup', repo.root, A), { env });
  assert.equal(start.status, 0, start.stderr);
  assert.deepEqual(
    [crashed, recent, other].map((file) => existsSync(file)),
    [false, true, true],
  );
});

test('a note its session still uses is not swept, however old it was', (t) => {
  const repo = tempRepo(t);
  const state = join(repo.base, 'state');
  const env = hookEnv(repo.env, { XDG_STATE_HOME: state });
  repo.write('.agent-lease.json', JSON.stringify({ ttl: { edit: '1m', claim: '1m' }, branchHolds: { ttl: '1m' } }));
  const elsewhere = repo.addWorktree('wt-elsewhere');
  // Registered by an edit in a worktree outside its cwd: the session's note names that worktree.
  const write = fixture('pre-tool-use.write', repo.root, A, { cwd: repo.base, tool_input: { file_path: join(elsewhere, 'a.ts'), content: 'x\n' } });
  assert.equal(runHook('pre-tool-use', write, { env }).status, 0);
  const file = join(state, 'agent-lease', 'sessions', `${A}.worktrees`);
  assert.equal(existsSync(file), true, 'noted');
  const then = new Date(Date.now() - 10 * 60_000);
  utimesSync(file, then, then);

  const stop = runHook('stop', fixture('stop', repo.base, A), { env });
  assert.equal(stop.status, 0, stop.stderr);
  const start = runHook('session-start', fixture('session-start.startup', repo.root, 'another-session'), { env });
  assert.equal(start.status, 0, start.stderr);
  assert.equal(existsSync(file), true, 'used at the turn end, so kept');
});
