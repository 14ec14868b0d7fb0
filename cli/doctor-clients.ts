// `doctor`'s checks of the other clients' hooks in this worktree: whether each client will run
// them. Codex skips, without a word, the hooks of a project it does not trust and the hooks nobody
// approved; those are warnings with the way to approve them.
import { readSettings } from '../lib/claude/settings-file';
import { CODEX, codexApprovalSteps, codexHooksFile, codexTrust } from '../lib/clients/codex';
import { GEMINI, geminiSettingsFile } from '../lib/clients/gemini';
import { clientHookPositions } from '../lib/clients/hooks-json';
import { isOpencodePlugin, opencodePluginFile } from '../lib/clients/opencode';
import { listWorktrees } from '../lib/git/repo';
import { readText } from '../lib/util/files';
import type { CheckResult } from './doctor-checks';

export function checkOtherClients(worktreeRoot: string, env: NodeJS.ProcessEnv): CheckResult[] {
  const results: CheckResult[] = [];
  const codexFile = codexHooksFile(worktreeRoot);
  const codexHooks = readSettings(codexFile);
  const codexCount = clientHookPositions(codexHooks, CODEX).length;
  if (codexCount > 0) {
    const main = listWorktrees(worktreeRoot)[0]?.path;
    const trust = codexTrust(codexFile, codexHooks, [...new Set([worktreeRoot, ...(main === undefined ? [] : [main])])], env);
    const fix = codexApprovalSteps(worktreeRoot);
    if (!trust.projectTrusted) {
      results.push({ check: 'codex', status: 'warn', message: `Codex does not trust this project (${trust.configFile}), so it skips its .codex/ hooks`, fix });
    } else if (trust.unapproved.length > 0) {
      results.push({
        check: 'codex',
        status: 'warn',
        message: `${trust.unapproved.length} of agent-lease's hooks are not approved in ${trust.configFile}: Codex skips them silently`,
        fix,
      });
    } else {
      results.push({ check: 'codex', status: 'ok', message: `${codexCount} hooks in ${codexFile}, approved (Codex asks again if they change)` });
    }
  }
  const geminiCount = clientHookPositions(readSettings(geminiSettingsFile(worktreeRoot)), GEMINI).length;
  if (geminiCount > 0) results.push({ check: 'gemini', status: 'ok', message: `${geminiCount} hooks in ${geminiSettingsFile(worktreeRoot)}` });
  if (isOpencodePlugin(readText(opencodePluginFile(worktreeRoot))))
    results.push({ check: 'opencode', status: 'ok', message: `plugin ${opencodePluginFile(worktreeRoot)}` });
  return results;
}
