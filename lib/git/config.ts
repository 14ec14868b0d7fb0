// The effective value of one git config setting for a worktree, read straight from git's config files
// (system, global, repository, worktree) so that a session start pays for no git process. Only
// plain files are read this way: an include, a quoted or continued value, or configuration passed
// through the environment sends the question to `git config` itself.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RepoLocation } from './repo';
import { git } from './run';

export type ConfigScope = 'system' | 'global' | 'local' | 'worktree' | 'command';

export interface ConfigValue {
  value: string;
  scope: ConfigScope;
}

const UNSURE = Symbol('unsure');
type Scan = Map<string, string> | typeof UNSURE;

const SECTION = /^\[\s*([A-Za-z0-9.-]+)(\s+"(?:[^"\\]|\\.)*")?\s*\]/;
const ENTRY = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$/;

/** The value git would use for the path setting `key` in the worktree, `~/` expanded, or null when unset. */
export function readPathConfig(repo: RepoLocation, key: string): ConfigValue | null {
  const fromFiles = readFromFiles(repo, canonicalKey(key));
  if (fromFiles === UNSURE) return readWithGit(repo.worktreeRoot, key, ['--type=path']);
  if (fromFiles === null) return null;
  const { value, scope } = fromFiles;
  // `~user/...` is another user's home, which only git resolves.
  if (value.startsWith('~') && value !== '~' && !value.startsWith('~/')) return readWithGit(repo.worktreeRoot, key, ['--type=path']);
  return { value: expandHome(value, process.env.HOME ?? homedir()), scope };
}

/** The value git would use for `key` (`section.name` or `section.subsection.name`, as `remote.origin.url`), or null when unset. */
export function readConfig(repo: RepoLocation, key: string): ConfigValue | null {
  const fromFiles = readFromFiles(repo, canonicalKey(key));
  return fromFiles === UNSURE ? readWithGit(repo.worktreeRoot, key, []) : fromFiles;
}

/** A key as the scan below spells it: section and name in lower case, a subsection as it is (git compares it exactly). */
function canonicalKey(key: string): string {
  const first = key.indexOf('.');
  const last = key.lastIndexOf('.');
  return `${key.slice(0, first).toLowerCase()}${key.slice(first, last)}${key.slice(last).toLowerCase()}`;
}

function readWithGit(cwd: string, key: string, type: string[]): ConfigValue | null {
  let out: string;
  try {
    out = git(cwd, ['config', '--show-scope', ...type, '--get', key]);
  } catch (error) {
    if ((error as { status?: number }).status === 1) return null;
    throw error;
  }
  const tab = out.indexOf('\t');
  return { scope: out.slice(0, tab) as ConfigScope, value: out.slice(tab + 1) };
}

function readFromFiles(repo: RepoLocation, key: string): ConfigValue | null | typeof UNSURE {
  const env = process.env;
  if (env.GIT_CONFIG_PARAMETERS || env.GIT_CONFIG_COUNT || env.GIT_CONFIG) return UNSURE;
  const home = env.HOME ?? homedir();
  const sources: Array<[ConfigScope, string]> = [];
  if (!isTrue(env.GIT_CONFIG_NOSYSTEM)) sources.push(['system', env.GIT_CONFIG_SYSTEM ?? '/etc/gitconfig']);
  if (env.GIT_CONFIG_GLOBAL !== undefined) {
    sources.push(['global', env.GIT_CONFIG_GLOBAL]);
  } else {
    sources.push(['global', join(env.XDG_CONFIG_HOME || join(home, '.config'), 'git', 'config')], ['global', join(home, '.gitconfig')]);
  }
  sources.push(['local', join(repo.commonDir, 'config')]);

  let found: ConfigValue | null = null;
  let worktreeConfig = false;
  for (const [scope, file] of sources) {
    const scan = scanFile(file, [key, 'extensions.worktreeconfig']);
    if (scan === UNSURE) return UNSURE;
    const value = scan.get(key);
    if (value !== undefined) found = { value, scope };
    if (scope === 'local') worktreeConfig = isTrue(scan.get('extensions.worktreeconfig'));
  }
  if (worktreeConfig) {
    const scan = scanFile(join(repo.gitDir, 'config.worktree'), [key]);
    if (scan === UNSURE) return UNSURE;
    const value = scan.get(key);
    if (value !== undefined) found = { value, scope: 'worktree' };
  }
  return found;
}

/** The last value of each wanted key (lower case `section.name`) in one config file. */
function scanFile(file: string, wanted: string[]): Scan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? new Map() : UNSURE;
  }
  const found = new Map<string, string>();
  let section = '';
  for (const raw of text.split('\n')) {
    if (raw.trimEnd().endsWith('\\')) return UNSURE;
    let line = raw.trim();
    if (line.startsWith('[')) {
      const header = SECTION.exec(line);
      if (header === null) return UNSURE;
      const name = header[1]!.toLowerCase();
      if (name === 'include' || name === 'includeif') return UNSURE;
      // A subsection (`[remote "origin"]`) is another section than `[remote]`.
      section = header[2] === undefined ? name : `${name}.${unquoteSubsection(header[2].trim())}`;
      line = line.slice(header[0].length).trim();
    }
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const entry = ENTRY.exec(line);
    if (entry === null) continue;
    const key = `${section}.${entry[1]!.toLowerCase()}`;
    if (!wanted.includes(key)) continue;
    const value = entry[2];
    if (value === undefined) {
      found.set(key, 'true');
      continue;
    }
    if (value.includes('"') || value.includes('\\')) return UNSURE;
    found.set(key, value.replace(/[#;].*$/, '').trim());
  }
  return found;
}

/** `"origin"` → `origin`; inside the quotes a backslash escapes the next character. */
function unquoteSubsection(quoted: string): string {
  return quoted.slice(1, -1).replace(/\\(.)/g, '$1');
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}

function expandHome(path: string, home: string): string {
  return path === '~' || path.startsWith('~/') ? join(home, path.slice(1)) : path;
}
