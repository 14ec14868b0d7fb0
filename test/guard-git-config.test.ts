// The session-start check reads core.hooksPath from git's config files instead of running git:
// for every layout here its answer must be git's own, and for plain files it must not run git.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPathConfig, type ConfigValue } from '../lib/git/config';
import { locateRepo } from '../lib/git/repo';
import { isolateGitInThisProcess, makeRepo, type TempRepo } from './support/git-repo';

let repo: TempRepo;
const saved = { ...process.env };

beforeEach(() => {
  repo = makeRepo();
  isolateGitInThisProcess(repo.base);
});
afterEach(() => {
  process.env = { ...saved };
  repo.cleanup();
});

function fromGit(cwd = repo.root): ConfigValue | null {
  try {
    const out = execFileSync('git', ['config', '--show-scope', '--type=path', '--get', 'core.hooksPath'], { cwd, env: process.env, encoding: 'utf8' }).trim();
    const [scope, value] = out.split('\t');
    return { scope: scope as ConfigValue['scope'], value: value! };
  } catch {
    return null;
  }
}

function withoutGit<T>(fn: () => T): T {
  const path = process.env.PATH;
  process.env.PATH = mkdtempSync(join(repo.base, 'no-git-'));
  try {
    return fn();
  } finally {
    process.env.PATH = path;
  }
}

const local = (text: string): void => appendFileSync(join(repo.root, '.git', 'config'), text);

const PLAIN: Array<[string, () => void]> = [
  ['unset', () => {}],
  ["husky's local setting", () => local('[core]\n\thooksPath = .husky/_\n')],
  ['a comment after the value, header and entry on one line', () => local('[core] hooksPath = hooks ; team hooks\n')],
  ['section and key in any case', () => local('[CORE]\n\tHOOKSPATH=Mixed # comment\n')],
  ['a subsection is not the section', () => local('[core "x"]\n\thooksPath = wrong\n[core]\n\tbare = false\n')],
  ['the last value wins', () => local('[core]\n\thooksPath = first\n[core]\n\thooksPath = second\n')],
  ['global only, with ~', () => writeFileSync(join(repo.base, '.gitconfig'), '[core]\n\thooksPath = ~/hooks\n')],
  [
    'XDG then ~/.gitconfig',
    () => {
      mkdirSync(join(repo.base, '.config', 'git'), { recursive: true });
      writeFileSync(join(repo.base, '.config', 'git', 'config'), '[core]\n\thooksPath = /xdg\n');
      writeFileSync(join(repo.base, '.gitconfig'), '[core]\n\thooksPath = /home-file\n');
    },
  ],
  [
    'local beats global',
    () => {
      writeFileSync(join(repo.base, '.gitconfig'), '[core]\n\thooksPath = /global\n');
      local('[core]\n\thooksPath = .husky/_\n');
    },
  ],
  [
    'a system file',
    () => {
      delete process.env.GIT_CONFIG_NOSYSTEM;
      process.env.GIT_CONFIG_SYSTEM = join(repo.base, 'system-config');
      writeFileSync(process.env.GIT_CONFIG_SYSTEM, '[core]\n\thooksPath = /system\n');
    },
  ],
  [
    'per-worktree config',
    () => {
      local('[extensions]\n\tworktreeConfig = true\n');
      writeFileSync(join(repo.root, '.git', 'config.worktree'), '[core]\n\thooksPath = /per-worktree\n');
    },
  ],
];

const UNUSUAL: Array<[string, () => void]> = [
  [
    'an include',
    () => {
      writeFileSync(join(repo.base, 'included'), '[core]\n\thooksPath = /included\n');
      local(`[include]\n\tpath = ${join(repo.base, 'included')}\n`);
    },
  ],
  ['a quoted value', () => local('[core]\n\thooksPath = "with ; semicolon"\n')],
  ['a continued line', () => local('[alias]\n\tx = !echo \\\n[core]\n')],
  [
    'configuration from the environment',
    () => {
      process.env.GIT_CONFIG_COUNT = '1';
      process.env.GIT_CONFIG_KEY_0 = 'core.hooksPath';
      process.env.GIT_CONFIG_VALUE_0 = '/from-env';
    },
  ],
];

for (const [name, arrange] of PLAIN) {
  test(`core.hooksPath read from files, without git: ${name}`, () => {
    arrange();
    const location = locateRepo(repo.root)!;
    assert.deepEqual(
      withoutGit(() => readPathConfig(location, 'core.hooksPath')),
      fromGit(),
    );
  });
}

for (const [name, arrange] of UNUSUAL) {
  test(`core.hooksPath asked of git when the files are not plain: ${name}`, () => {
    arrange();
    const location = locateRepo(repo.root)!;
    assert.deepEqual(readPathConfig(location, 'core.hooksPath'), fromGit());
    assert.throws(() => withoutGit(() => readPathConfig(location, 'core.hooksPath')), /ENOENT/, 'it did need git');
  });
}
