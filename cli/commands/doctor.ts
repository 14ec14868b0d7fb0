import { describeError, EXIT } from '../../lib/util/errors';
import { requireRepo } from '../../lib/git/repo';
import { parseCommandArgs, usageError } from '../args';
import type { Command } from '../command';
import {
  checkConfig,
  checkFilesystem,
  checkGuard,
  checkHooks,
  checkNode,
  checkSessions,
  checkSqlite,
  checkStore,
  type CheckResult,
  type CheckStatus,
} from '../doctor-checks';
import { checkMcpServer } from '../doctor-mcp';
import { checkTeamStore, storeInUse, storeInUseCheck } from '../doctor-store';
import { checkOtherClients } from '../doctor-clients';
import { paint, writeJson, writeOut, type Style } from '../output';

const USAGE = `usage: agent-lease doctor [--fix] [--json]

Checks the installation: Node and better-sqlite3 (and that its native module loads); the store
(where it is, readable and writable, schema, WAL in effect, not on a network filesystem); the
configuration file; the Claude Code hooks in .claude/settings*.json of every worktree and the
binary they run; the MCP server init --mcp registered (that it starts and answers); the commit
guard in every worktree; sessions whose process is gone. Each check
says ok, warn or fail, and how to fix it. Exits 1 when any check fails. Changes nothing without
--fix.

  --fix    repair what can be safely repaired: the guard in every worktree, the store's journal
           mode and the permissions of store files you own, sessions whose process is gone
  --json   print {"ok", "checks": [{"check", "status", "message", "fix", "fixed"}]}`;

const OPTIONS = { fix: { type: 'boolean' }, json: { type: 'boolean' } } as const;

const STYLE: Record<CheckStatus, Style> = { ok: 'green', warn: 'yellow', fail: 'red' };

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
    if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]}"`, USAGE);
    const fix = values.fix === true;
    const cwd = process.cwd();
    const repo = requireRepo(cwd);
    const results = await runChecks(cwd, repo.worktreeRoot, fix);
    const server = await checkMcpServer(repo.worktreeRoot);
    if (server !== null) results.push(server);
    const failed = results.filter((check) => check.status === 'fail').length;
    if (values.json) {
      writeJson({ ok: failed === 0, checks: results });
    } else {
      writeOut(report(results, fix));
    }
    return failed === 0 ? EXIT.ok : EXIT.conflict;
  },
};

async function runChecks(cwd: string, worktreeRoot: string, fix: boolean): Promise<CheckResult[]> {
  const results = [checkNode()];
  const sqlite = checkSqlite();
  results.push(sqlite);
  const choice = storeInUse(cwd);
  if (!('engine' in choice)) {
    results.push(choice);
  } else if (choice.engine === 'postgres') {
    results.push(storeInUseCheck(choice), ...(await checkTeamStore(choice, fix, worktreeRoot)));
  } else if (sqlite.status === 'ok') {
    results.push(storeInUseCheck(choice));
    // lib/store loads better-sqlite3, so only now.
    const { defaultStorePath } = require('../../lib/git/store-location') as typeof import('../../lib/git/store-location');
    const path = defaultStorePath(cwd);
    results.push(
      ...(await safely('store', async () => await checkStore(path, fix))),
      ...(await safely('filesystem', () => checkFilesystem(path))),
      ...(await safely('sessions', () => checkSessions(path, fix, worktreeRoot))),
    );
  } else {
    results.push({ check: 'store', status: 'fail', message: 'not checked: better-sqlite3 does not load', fix: sqlite.fix! });
  }
  results.push(
    ...(await safely('config', () => checkConfig(worktreeRoot))),
    ...(await safely('hooks', () => checkHooks(cwd, process.env))),
    ...(await safely('guard', () => checkGuard(cwd, fix, process.env))),
    ...(await safely('clients', () => checkOtherClients(worktreeRoot, process.env))),
  );
  return results;
}

/** A check that throws (git missing, a repository git refuses to read) fails alone, with the reason. */
async function safely(check: string, run: () => CheckResult | CheckResult[] | Promise<CheckResult | CheckResult[]>): Promise<CheckResult[]> {
  try {
    const outcome = await run();
    return Array.isArray(outcome) ? outcome : [outcome];
  } catch (error) {
    return [{ check, status: 'fail', message: `could not be checked: ${describeError(error).split('\n')[0]}` }];
  }
}

function report(results: CheckResult[], fixing: boolean): string {
  const width = Math.max(...results.map((check) => check.check.length));
  const indent = ' '.repeat(6 + width + 2);
  const lines = results.flatMap((check) => [
    `${paint(check.status.padEnd(4), STYLE[check.status])}  ${check.check.padEnd(width)}  ${check.message}`,
    ...(check.fixed === undefined ? [] : [`${indent}fixed: ${check.fixed}`]),
    ...(check.fix === undefined || check.status === 'ok' ? [] : [`${indent}fix: ${check.fix}`]),
  ]);
  const failed = results.filter((check) => check.status === 'fail').length;
  const warned = results.filter((check) => check.status === 'warn').length;
  if (failed === 0 && warned === 0) {
    lines.push('', 'All checks passed.');
  } else {
    lines.push('', `${failed} failed, ${warned} warning(s).${fixing ? '' : ' agent-lease doctor --fix repairs what it safely can.'}`);
  }
  return lines.join('\n');
}
