// `status --watch` redraws when leases change and stops on Ctrl-C: on a real pseudo-terminal
// (python3's pty module drives it, as a person's terminal would), and on a pipe.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { BIN, makeCliRepo, type CliRepo } from './support/cli';

const PTY_RUN = join(__dirname, 'support', 'pty-run.py');
const CLEAR = '\u001b[H\u001b[2J';
const HAS_PYTHON = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;

let repo: CliRepo;
const running: ChildProcess[] = [];
beforeEach(() => {
  repo = makeCliRepo();
});
afterEach(() => {
  // A failed assertion must not leave a watcher running (and the test run waiting for it).
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  repo.cleanup();
});

interface Watch {
  child: ChildProcess;
  output(): string;
  /** Resolves once `predicate` holds for the output so far; rejects after 15 s with what was seen. */
  until(predicate: (output: string) => boolean, what: string): Promise<void>;
  exit(): Promise<number | null>;
}

function watch(command: string, args: string[], env: NodeJS.ProcessEnv): Watch {
  const child = spawn(command, args, { cwd: repo.root, env, stdio: ['pipe', 'pipe', 'pipe'] });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    until(predicate, what) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          if (predicate(output)) {
            clearInterval(poll);
            resolve();
          } else if (Date.now() - started > 15_000) {
            clearInterval(poll);
            child.kill('SIGKILL');
            reject(new Error(`waited for ${what}; the output was:\n${JSON.stringify(output)}`));
          }
        }, 20);
      });
    },
    exit: () => exited,
  };
}

/** The last screen drawn on the terminal: everything after the last clear. */
const lastScreen = (output: string): string => output.slice(output.lastIndexOf(CLEAR));

describe('status --watch', () => {
  it('on a terminal: draws in colour, redraws in place on every change, stops on Ctrl-C', {
    skip: HAS_PYTHON ? false : 'python3 with its pty module is not available to drive a terminal',
  }, async () => {
    const session = watch('python3', [PTY_RUN, process.execPath, BIN, 'status', '--watch', '--interval', '200ms'], { ...repo.env, TERM: 'xterm' });
    await session.until((out) => lastScreen(out).includes('No live leases.'), 'the first screen');
    assert.match(session.output(), /agent-lease status --watch: .*state\.db, every 200ms; Ctrl-C to stop/);

    assert.equal(repo.cli(['claim', 'src/a.ts', '--task', 'watch me']).status, 0);
    await session.until((out) => /src\/a\.ts\s+.*exclusive.*\s+tester\s+watch me/.test(lastScreen(out)), 'a redraw with the claim');
    const screen = lastScreen(session.output());
    assert.match(screen, /\u001b\[1mLeases \(1\)\u001b\[0m/, 'bold headings on a terminal');
    assert.match(screen, /\u001b\[33mexclusive\u001b\[0m/, 'the mode in colour');

    assert.equal(repo.cli(['release', 'src/a.ts']).status, 0);
    await session.until((out) => lastScreen(out).includes('No live leases.') && out.split(CLEAR).length >= 4, 'a redraw after the release');
    const screens = session.output().split(CLEAR).slice(1);
    for (let i = 1; i < screens.length; i++) assert.notEqual(screens[i], screens[i - 1], 'redrawn only when something changed');

    session.child.stdin!.write('\u0003');
    assert.equal(await session.exit(), 0, 'Ctrl-C ends it cleanly');
  });

  it('on a terminal with NO_COLOR: redraws without colour', {
    skip: HAS_PYTHON ? false : 'python3 with its pty module is not available to drive a terminal',
  }, async () => {
    repo.cli(['claim', 'src/a.ts']);
    const session = watch('python3', [PTY_RUN, process.execPath, BIN, 'status', '--watch'], { ...repo.env, TERM: 'xterm', NO_COLOR: '1' });
    await session.until((out) => lastScreen(out).includes('src/a.ts'), 'the first screen');
    assert.doesNotMatch(session.output(), /\u001b\[\d+m/);
    session.child.stdin!.write('\u0003');
    assert.equal(await session.exit(), 0);
  });

  it('on a pipe: one snapshot after another, one JSON line each with --json; SIGINT ends it', async () => {
    const text = watch(process.execPath, [BIN, 'status', '--watch', '--interval', '200ms'], repo.env);
    await text.until((out) => out.includes('No live leases.'), 'the first snapshot');
    repo.cli(['claim', 'b.ts']);
    await text.until((out) => out.includes('Leases (1)'), 'the second snapshot');
    assert.doesNotMatch(text.output(), /\u001b/, 'no terminal codes on a pipe');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(text.output().match(/Leases \(1\)/g)?.length, 1, 'an unchanged status is not printed again as its times count on');
    assert.match(text.output(), /^No sessions\.\n\nNo live leases\.\n\nSessions \(1\)\n/);
    text.child.kill('SIGINT');
    assert.equal(await text.exit(), 0);

    const json = watch(process.execPath, [BIN, 'status', '--watch', '--json', '--interval', '200ms'], repo.env);
    await json.until((out) => out.split('\n').length >= 2, 'the first line');
    repo.cli(['release', 'b.ts']);
    await json.until((out) => out.split('\n').length >= 3, 'the second line');
    json.child.kill('SIGINT');
    assert.equal(await json.exit(), 0);
    const lines = json
      .output()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { leases: unknown[] });
    assert.deepEqual(
      lines.map((line) => line.leases.length),
      [1, 0],
    );
  });
});
