// The first run: `agent-lease demo` (and `npm run demo`) tells its whole story through the real
// hooks, guard and CLI, whatever identity or store the caller's environment carries, and cleans up.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { BIN, withoutIdentity } from './support/cli';

const outside = realpathSync(mkdtempSync(join(tmpdir(), 'agent-lease-demo-test-')));
after(() => rmSync(outside, { recursive: true, force: true }));

/** The caller's environment may name a session and a store of its own; the demo must use neither. */
const callerEnv = { ...withoutIdentity(process.env), AGENT_LEASE_DB: join(outside, 'not-this.db'), CLAUDE_CODE_SESSION_ID: 'the-caller', HOME: outside };

function demo(args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, 'demo', ...args], { cwd: outside, env: callerEnv, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return result;
}

/** Asserts that `patterns` appear in `text` in this order. */
function inOrder(text: string, patterns: RegExp[]): void {
  let rest = text;
  for (const pattern of patterns) {
    const match = pattern.exec(rest);
    assert.ok(match, `expected ${pattern} after the previous step; the rest of the output was:\n${rest}`);
    rest = rest.slice(match.index + match[0].length);
  }
}

describe('agent-lease demo', () => {
  it('narrates grants, denials, a glob claim, a refused commit, a crash and the final status, then cleans up', () => {
    const result = demo();
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.doesNotMatch(result.stdout, /\u001b\[/, 'no colour on a pipe');
    const base = /^A repository in (\S+)$/m.exec(result.stdout)?.[1];
    assert.ok(base);
    inOrder(result.stdout, [
      /^1\. The sessions start \(SessionStart hook\)$/m,
      /alpha, beta and gamma are registered/,
      /^2\. alpha edits src\/auth\/login\.ts/m,
      /✓ allowed: alpha now holds an edit lease on src\/auth\/login\.ts/,
      /^3\. beta, in its own worktree, tries to edit the same file$/m,
      /✗ denied\./,
      /│ agent-lease denied this edit: src\/auth\/login\.ts is leased to another session/,
      /│ - alpha \(worktree \S+\/shop on main\) holds src\/auth\/login\.ts exclusively \(edit lease, token 1\), 15m left/,
      /^4\. gamma claims the whole UI/m,
      /│ granted src\/ui\/\*\* \(exclusive, 1h00m, token 2\)/,
      /✗ denied\. beta writing src\/ui\/theme\.css is denied by the glob/,
      /│ - src\/ui\/theme\.css: gamma \(task "new theme", worktree \S+\/shop-ui on ui\) holds src\/ui\/\*\* exclusively/,
      /^5\. beta changes src\/auth\/login\.ts with a shell command \(no edit hook can stop that; the Bash hook warns after it\)/m,
      /✗ the pre-commit guard refuses the commit \(exit 1\)/,
      /│ agent-lease guard: commit refused: 1 staged file is held by another session\./,
      /│\s+alpha .*holds src\/auth\/login\.ts exclusively/,
      /^6\. alpha's Claude Code process crashes/m,
      /✓ allowed: beta tries again; alpha's process is gone, so its lease no longer binds/,
      /the log records it: takeover of src\/auth\/login\.ts \(token 1\) from alpha, holder-dead/,
      /✓ beta's commit goes through/,
      /^7\. Where things stand: agent-lease status$/m,
      /^ {3}Sessions \(3\)$/m,
      /^ {3}alpha\s+claude-code\s+\S+\/shop\s+main\s+no\s/m,
      /^ {3}beta\s+claude-code\s+\S+\/shop-api\s+api\s+yes\s/m,
      /^ {3}gamma\s+claude-code\s+\S+\/shop-ui\s+ui\s+yes\s/m,
      /^ {3}Leases \(2\)$/m,
      /^ {3}src\/ui\/\*\*\s+exclusive\s+gamma\s+new theme\s+claim\s/m,
      /^ {3}src\/auth\/login\.ts\s+exclusive\s+beta\s+-\s+edit\s/m,
      new RegExp(`^Removed ${base}\\.$`, 'm'),
      /^The tour took \d+\.\d s\./m,
    ]);
    assert.equal(existsSync(base), false, 'the temporary repository is gone');
    assert.equal(existsSync(join(outside, 'not-this.db')), false, "the caller's AGENT_LEASE_DB was not used");
  });

  it('--keep leaves the repository, its worktrees and its store to look at', () => {
    const result = demo(['--keep']);
    assert.equal(result.status, 0, result.stderr);
    const base = /^Kept (\S+) \(remove it when done\)\.$/m.exec(result.stdout)?.[1];
    assert.ok(base);
    try {
      for (const path of [
        'shop/.claude/settings.json',
        'shop/.git/hooks/pre-commit',
        'shop/.git/agent-lease/state.db',
        'shop-api/src/auth/login.ts',
        'shop-ui',
      ]) {
        assert.ok(existsSync(join(base, path)), path);
      }
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('is what `npm run demo` runs', () => {
    const result = spawnSync('npm', ['run', '--silent', 'demo'], { cwd: resolve(__dirname, '..'), env: callerEnv, encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^agent-lease demo\n/);
    assert.match(result.stdout, /^Removed /m);
  });
});
