import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { currentBranch, listWorktrees, locateRepo, locateRepoWithGit } from '../lib/git/repo';
import { repoRelativePath } from '../lib/git/paths';
import { makeRepo } from './support/git-repo';

test('locateRepo reads the same identity git reports, in main and linked worktrees and subdirectories', () => {
  const repo = makeRepo();
  try {
    const linked = repo.addWorktree('feature');
    mkdirSync(join(linked, 'src', 'deep'), { recursive: true });
    for (const dir of [repo.root, linked, join(linked, 'src', 'deep')]) {
      assert.deepEqual(locateRepo(dir), locateRepoWithGit(dir), dir);
    }
    const main = locateRepo(repo.root)!;
    const feature = locateRepo(linked)!;
    assert.equal(feature.commonDir, main.commonDir, 'one store for every worktree');
    assert.equal(feature.worktreeRoot, realpathSync(linked));
    assert.equal(currentBranch(main.gitDir), 'main');
    assert.equal(currentBranch(feature.gitDir), 'feature');
    assert.deepEqual(
      listWorktrees(repo.root).map((w) => w.branch),
      ['main', 'feature'],
    );
  } finally {
    repo.cleanup();
  }
});

test('a repository with no commits, and a detached HEAD', () => {
  const empty = makeRepo({ commit: false });
  const repo = makeRepo();
  try {
    assert.deepEqual(locateRepo(empty.root), locateRepoWithGit(empty.root));
    assert.equal(currentBranch(locateRepo(empty.root)!.gitDir), 'main');
    repo.git(['checkout', '-q', '--detach']);
    assert.match(currentBranch(locateRepo(repo.root)!.gitDir)!, /^detached@[0-9a-f]{7}$/);
  } finally {
    empty.cleanup();
    repo.cleanup();
  }
});

test('a bare repository with worktrees shares the bare directory as common dir', () => {
  const repo = makeRepo();
  try {
    const bare = join(repo.base, 'bare.git');
    repo.git(['clone', '-q', '--bare', repo.root, bare], repo.base);
    const worktree = join(repo.base, 'wt-of-bare');
    repo.git(['worktree', 'add', '-q', worktree, 'main'], bare);
    assert.deepEqual(locateRepo(worktree), locateRepoWithGit(worktree));
    assert.equal(locateRepo(worktree)!.commonDir, realpathSync(bare));
  } finally {
    repo.cleanup();
  }
});

test('outside any repository there is no location', () => {
  const repo = makeRepo();
  try {
    assert.equal(locateRepo(repo.base), null);
  } finally {
    repo.cleanup();
  }
});

test('repoRelativePath: relative to the worktree holding the file, symlinks resolved, escapes refused', () => {
  const repo = makeRepo();
  const other = makeRepo();
  try {
    const common = locateRepo(repo.root)!.commonDir;
    const linked = repo.addWorktree('feature');
    repo.write('src/a.ts');
    const inside = (file: string, cwd?: string): string => {
      const result = repoRelativePath(file, common, cwd);
      assert.equal(result.kind, 'inside', `${file}: ${result.kind === 'outside' ? result.reason : ''}`);
      return result.kind === 'inside' ? result.path : '';
    };
    const outside = (file: string): string => {
      const result = repoRelativePath(file, common);
      assert.equal(result.kind, 'outside', file);
      return result.kind === 'outside' ? result.reason : '';
    };
    assert.equal(inside(join(repo.root, 'src/a.ts')), 'src/a.ts');
    assert.equal(inside(join(linked, 'src/new/dir/b.ts')), 'src/new/dir/b.ts', 'a file in another worktree, in directories that do not exist yet');
    assert.equal(inside('src/a.ts', repo.root), 'src/a.ts', 'relative to cwd');
    assert.equal(inside(join(repo.root, 'src/../src/a.ts')), 'src/a.ts');
    assert.equal(inside(join(repo.root, 'dir with space/naïve ✓.ts')), 'dir with space/naïve ✓.ts');
    symlinkSync(join(repo.root, 'src'), join(repo.root, 'alias'));
    assert.equal(inside(join(repo.root, 'alias/a.ts')), 'src/a.ts');

    symlinkSync(other.root, join(repo.root, 'elsewhere'));
    assert.match(outside(join(repo.root, 'elsewhere/README.md')), /another repository/);
    assert.match(outside(join(repo.root, '../outside.ts')), /not inside a git worktree/);
    assert.match(outside(join(other.root, 'README.md')), /another repository/);
    assert.match(outside(join(repo.root, '.git/config')), /inside \.git/);
    assert.match(outside(repo.root), /worktree root/);
    assert.match(outside(`${repo.root}/a\0b`), /NUL/);
  } finally {
    repo.cleanup();
    other.cleanup();
  }
});
