import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repositoryIdentity, normalizeRemoteUrl, stripCredentials } from '../lib/git/identity';
import { locateRepo } from '../lib/git/repo';
import { makeRepo } from './support/git-repo';

test('every spelling of one hosted repository gives one id', () => {
  const spellings = [
    'git@github.com:Acme/Widgets.git',
    'git@GitHub.com:acme/widgets',
    'ssh://git@github.com/acme/widgets.git',
    'ssh://git@github.com:22/acme/widgets.git/',
    'git+ssh://git@github.com/acme/widgets',
    'https://github.com/Acme/Widgets',
    'https://github.com/acme/widgets.git',
    'https://x-access-token:ghp_secret@github.com/acme/widgets.git',
    'https://alice@github.com:443/acme//widgets/',
    'http://github.com/acme/widgets?foo=bar',
    'git://github.com/acme/widgets.git',
    'persistent-https::https://github.com/acme/widgets',
    '  github.com:acme/widgets.git\n',
  ];
  for (const url of spellings) assert.equal(normalizeRemoteUrl(url, '/unused'), 'github.com/acme/widgets', url);
});

test('different repositories, hosts and home directories stay apart; ports and users do not count', () => {
  const id = (url: string): string | null => normalizeRemoteUrl(url, '/unused');
  assert.notEqual(id('git@github.com:acme/widgets.git'), id('git@github.com:acme/gadgets.git'));
  assert.notEqual(id('git@github.com:acme/widgets.git'), id('git@gitlab.com:acme/widgets.git'));
  assert.equal(id('ssh://git@gitlab.example.com:2222/team/app.git'), id('https://gitlab.example.com/team/app'));
  assert.equal(id('box:projects/app.git'), id('ssh://box/~/projects/app'), "an scp-like relative path is the home directory's");
  assert.equal(id('ssh://me@box/~bob/app.git'), 'box/~bob/app', "another user's home is kept");
  assert.equal(id('ssh://[::1]:2222/srv/app.git'), '[::1]/srv/app');
  assert.equal(id('https://github.com'), null, 'a host alone names no repository');
  assert.equal(id(''), null);
});

test('local remotes are their absolute paths, however they are written', () => {
  const repo = makeRepo();
  try {
    const bare = join(repo.base, 'Remote.git');
    repo.git(['init', '-q', '--bare', bare]);
    const expected = bare.toLowerCase().replace(/\.git$/, '');
    for (const url of [bare, `file://${bare}`, `${bare}/`, join(repo.base, 'x', '..', 'Remote.git')]) {
      assert.equal(normalizeRemoteUrl(url, repo.root), expected, url);
    }
    assert.equal(normalizeRemoteUrl('../Remote.git', repo.root), expected, 'relative to the main worktree');
  } finally {
    repo.cleanup();
  }
});

test('credentials are never shown', () => {
  assert.equal(stripCredentials('https://user:hunter2@example.com/a.git'), 'https://example.com/a.git');
  assert.equal(stripCredentials('https://example.com/a.git'), 'https://example.com/a.git');
});

test('clones of one bare remote, and their worktrees, agree on the id; an explicit id wins; no remote is a clear error', () => {
  const repo = makeRepo();
  try {
    const bare = join(repo.base, 'shared.git');
    repo.git(['clone', '-q', '--bare', repo.root, bare], repo.base);
    const first = join(repo.base, 'first');
    const second = join(repo.base, 'second');
    repo.git(['clone', '-q', bare, first], repo.base);
    repo.git(['clone', '-q', `file://${bare}`, second], repo.base);
    const linked = join(repo.base, 'second-feature');
    repo.git(['worktree', 'add', '-q', '-b', 'feature', linked], second);
    const none = { configured: null, integrationBranch: null };
    const ids = [first, second, linked].map((dir) => repositoryIdentity(locateRepo(dir)!, none).id);
    assert.deepEqual(new Set(ids).size, 1, ids.join(' '));
    assert.deepEqual(repositoryIdentity(locateRepo(first)!, none).from, { remote: 'origin', url: bare });

    // The same repository reached over ssh from one clone and https from another.
    repo.git(['remote', 'set-url', 'origin', 'git@example.com:team/app.git'], first);
    repo.git(['remote', 'set-url', 'origin', 'https://deploy:token@example.com/team/app'], second);
    assert.equal(repositoryIdentity(locateRepo(first)!, none).id, 'example.com/team/app');
    assert.equal(repositoryIdentity(locateRepo(linked)!, none).id, 'example.com/team/app');
    assert.deepEqual(repositoryIdentity(locateRepo(linked)!, none).from, {
      remote: 'origin',
      url: 'https://deploy:token@example.com/team/app',
    });

    // The integration branch's remote is the integration remote.
    repo.git(['remote', 'add', 'upstream', 'git@example.com:team/upstream-app.git'], first);
    assert.equal(repositoryIdentity(locateRepo(first)!, { configured: null, integrationBranch: 'upstream/main' }).id, 'example.com/team/upstream-app');
    assert.equal(repositoryIdentity(locateRepo(first)!, { configured: null, integrationBranch: 'feature/main' }).id, 'example.com/team/app');

    assert.deepEqual(repositoryIdentity(locateRepo(repo.root)!, { configured: 'acme-app', integrationBranch: null }), {
      id: 'acme-app',
      from: { config: true },
    });
    assert.throws(() => repositoryIdentity(locateRepo(repo.root)!, none), /no remote "origin".*set "repositoryId" in \.agent-lease\.json/);
  } finally {
    repo.cleanup();
  }
});

test('a remote configured through the environment is read by git itself', () => {
  const repo = makeRepo();
  try {
    const saved = { ...process.env };
    Object.assign(process.env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'remote.origin.url', GIT_CONFIG_VALUE_0: 'git@example.com:env/app.git' });
    try {
      assert.equal(repositoryIdentity(locateRepo(repo.root)!, { configured: null, integrationBranch: null }).id, 'example.com/env/app');
    } finally {
      for (const name of ['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0']) {
        if (saved[name] === undefined) delete process.env[name];
      }
    }
  } finally {
    repo.cleanup();
  }
});
