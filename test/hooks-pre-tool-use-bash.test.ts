// PreToolUse for Bash through the compiled hook, with Claude Code 2.1.332's real Bash input: a table
// of commands — writes in every form the hook knows, reads, writes outside every managed repository,
// what cannot be known before running, what does not parse — each with the verdict it must get while
// another session holds files in this repository (and in a second one).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { acquire } from '../lib/core/acquire';
import { listLeases } from '../lib/core/lease-queries';
import { registerSession } from '../lib/core/sessions';
import { openStore } from '../lib/core/sqlite';
import { makeRepo } from './support/git-repo';
import { fixture, hookEnv, runHook, tempRepo, withRepoStore, type HookInput } from './support/hooks';

const A = '2ec5f681-9337-42fc-9dcb-232343d9e872';
const HOLDER = 'other-session';
const HELD = ['src/held.ts', 'lib/held.ts', 'assets/img/logo.svg'];

/** The Bash PreToolUse input Claude Code 2.1.332 sent, moved to `cwd`, running `command`. */
function bashInput(cwd: string, command: string, sessionId = A): HookInput {
  const text = readFileSync(join(__dirname, 'fixtures', 'claude-code-2.1.332', 'pre-tool-use.bash.json'), 'utf8');
  const input = JSON.parse(text) as HookInput;
  return { ...input, session_id: sessionId, cwd, tool_input: { ...(input.tool_input as HookInput), command } };
}

async function holdFiles(storePath: string, worktree: string, paths: string[], globs: string[] = []): Promise<void> {
  const store = openStore({ path: storePath });
  try {
    await registerSession(store, { id: HOLDER, runtime: 'cli', worktree, branch: 'feature' });
    assert.equal((await acquire(store, HOLDER, paths, { task: 'the other task', exact: true })).ok, true);
    if (globs.length > 0) assert.equal((await acquire(store, HOLDER, globs, { task: 'the docs' })).ok, true);
  } finally {
    await store.close();
  }
}

async function setup(t: TestContext) {
  const repo = tempRepo(t);
  for (const file of ['src/x.ts', 'src/y.ts', 'src/held.ts', 'lib/held.ts', 'lib/free.ts', 'assets/img/logo.svg', 'docs/guide.md']) repo.write(file);
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'files']);
  const worktree = repo.addWorktree('wt', 'feature');
  await holdFiles(join(repo.root, '.git', 'agent-lease', 'state.db'), worktree, HELD, ['docs/**']);
  repo.write('fix.patch', '--- a/src/held.ts\n+++ b/src/held.ts\n@@ -1 +1 @@\n-src/held.ts\n+patched\n');
  mkdirSync(join(repo.base, 'incoming'));
  writeFileSync(join(repo.base, 'incoming', 'held.ts'), 'new\n');

  // A second repository agent-lease manages (it has a store), where the same session holds notes.md;
  // and one it does not manage.
  const other = makeRepo();
  const unmanaged = makeRepo();
  t.after(() => {
    other.cleanup();
    unmanaged.cleanup();
  });
  other.write('notes.md', 'notes\n');
  await holdFiles(join(other.root, '.git', 'agent-lease', 'state.db'), other.root, ['notes.md']);
  return { repo, worktree, other, unmanaged, env: hookEnv(repo.env) };
}

type Row = [command: string, verdict: 'deny' | 'pass', names?: string];

/** `names`: what a denial must name (the held file, or the directory or pattern written). Paths in `{other}`, `{unmanaged}`, `{wt}`, `{base}` are filled in. */
const TABLE: Row[] = [
  // Redirections.
  ['echo hi > src/held.ts', 'deny', 'src/held.ts'],
  ['echo hi >> src/held.ts', 'deny', 'src/held.ts'],
  ['echo hi &> src/held.ts', 'deny', 'src/held.ts'],
  ['echo hi &>> src/held.ts', 'deny', 'src/held.ts'],
  ['echo hi >| src/held.ts', 'deny', 'src/held.ts'],
  ['printf x 2>> src/held.ts', 'deny', 'src/held.ts'],
  ['echo hi >&src/held.ts', 'deny', 'src/held.ts'],
  ['cat <<EOF > src/held.ts\nnew content\nEOF', 'deny', 'src/held.ts'],
  ["cat > lib/held.ts <<'EOF'\nexport const a = 1;\nEOF", 'deny', 'lib/held.ts'],
  ['echo hi > docs/new-page.md', 'deny', 'docs/new-page.md'],
  ['echo hi > src/free-1.ts', 'pass'],
  ['echo hi > /dev/null 2>&1', 'pass'],
  ['echo hi 2>&1 | cat', 'pass'],
  ['echo hi > "$OUT"', 'pass'],
  ['echo hi > "$(mktemp)"', 'pass'],
  // tee
  ['echo x | tee src/held.ts', 'deny', 'src/held.ts'],
  ['echo x | tee -a build.log lib/held.ts > /dev/null', 'deny', 'lib/held.ts'],
  ['echo x | tee -a src/free-2.ts', 'pass'],
  // sed -i, perl -i, ruby -i
  ["sed -i 's/a/b/' src/held.ts", 'deny', 'src/held.ts'],
  ["sed -i.bak -e 's/a/b/' src/x.ts src/held.ts", 'deny', 'src/held.ts'],
  ["sed --in-place=.orig 's/a/b/' lib/held.ts", 'deny', 'lib/held.ts'],
  ["sed 's/a/b/' -i src/held.ts", 'deny', 'src/held.ts'],
  ["sed -n '1,5p' src/held.ts", 'pass'],
  ["sed 's/a/b/' src/held.ts > src/free-3.ts", 'pass'],
  ["perl -pi -e 's/a/b/' src/held.ts", 'deny', 'src/held.ts'],
  ["perl -ne 'print' src/held.ts", 'pass'],
  ['ruby -i -pe \'gsub(/a/, "b")\' lib/held.ts', 'deny', 'lib/held.ts'],
  // cp, mv, install, rsync
  ['cp README.md src/held.ts', 'deny', 'src/held.ts'],
  ['cp ../incoming/held.ts src/', 'deny', 'src/held.ts'],
  ['cp ../incoming/held.ts src', 'deny', 'src/held.ts'],
  ['cp -t lib ../incoming/held.ts', 'deny', 'lib/held.ts'],
  ['cp --target-directory=src -v ../incoming/held.ts', 'deny', 'src/held.ts'],
  ['mv src/held.ts src/renamed.ts', 'deny', 'src/held.ts'],
  ['mv -f src/x.ts lib/held.ts', 'deny', 'lib/held.ts'],
  ['mv src/y.ts src/moved-y.ts', 'pass'],
  ['install -m 644 README.md lib/held.ts', 'deny', 'lib/held.ts'],
  ['rsync -a ../incoming/ src/', 'deny', 'src (the directory and everything in it)'],
  ['rsync -av ../incoming/held.ts lib/', 'deny', 'lib/held.ts'],
  ['cp -r src {base}/backup', 'pass'],
  ['cp src/held.ts {base}/copy.ts', 'pass'],
  // rm, unlink, truncate, touch
  ['rm src/held.ts', 'deny', 'src/held.ts'],
  ['rm -f src/x.ts src/held.ts', 'deny', 'src/held.ts'],
  ['rm -rf assets', 'deny', 'assets (the directory and everything in it)'],
  ['rm src/*.ts', 'deny', "'src/*.ts' (the files this pattern matches)"],
  ['rm -rf assets/*', 'deny', "'assets/*' (the files this pattern matches)"],
  ['touch src/{held,other}.ts', 'deny', "'src/{held,other}.ts' (the files this pattern matches)"],
  ['unlink lib/held.ts', 'deny', 'lib/held.ts'],
  ['truncate -s 0 src/held.ts', 'deny', 'src/held.ts'],
  ['touch src/held.ts', 'deny', 'src/held.ts'],
  ['touch -d yesterday src/new-file.ts', 'pass'],
  // git checkout -- / restore / apply / rm, patch
  ['git checkout -- src/held.ts', 'deny', 'src/held.ts'],
  ['git checkout HEAD~0 -- lib/held.ts', 'deny', 'lib/held.ts'],
  ['git restore src/held.ts', 'deny', 'src/held.ts'],
  ['git restore --staged src/held.ts', 'pass'],
  ['git -C src restore held.ts', 'deny', 'src/held.ts'],
  ['git rm -q lib/held.ts', 'deny', 'lib/held.ts'],
  ['git apply fix.patch', 'deny', 'src/held.ts'],
  ['git apply --check fix.patch', 'pass'],
  ['patch -p1 < fix.patch', 'deny', 'src/held.ts'],
  ['patch -p1 -i fix.patch', 'deny', 'src/held.ts'],
  ['patch --dry-run -p1 < fix.patch', 'pass'],
  // ln
  ['ln -sf ../README.md src/held.ts', 'deny', 'src/held.ts'],
  ['ln -s README.md src/link.md', 'pass'],
  // cd, lists, pipelines, subshells, compound commands
  ['cd src && echo x > held.ts', 'deny', 'src/held.ts'],
  ["cd src; sed -i 's/a/b/' held.ts", 'deny', 'src/held.ts'],
  ['(cd lib && rm held.ts)', 'deny', 'lib/held.ts'],
  ['(cd src) && rm held.ts', 'pass'],
  ['cd src | true; rm held.ts', 'pass'],
  ['cd lib && cd .. && rm src/held.ts', 'deny', 'src/held.ts'],
  ['true || echo x > src/held.ts', 'deny', 'src/held.ts'],
  ['ls | grep x; echo x >> lib/held.ts', 'deny', 'lib/held.ts'],
  ['for f in a b; do echo "$f" >> src/held.ts; done', 'deny', 'src/held.ts'],
  ['if [ -f src/x.ts ]; then rm lib/held.ts; fi', 'deny', 'lib/held.ts'],
  ['echo "$(rm src/held.ts)"', 'deny', 'src/held.ts'],
  ['cat <<EOF | tee src/held.ts\nline\nEOF', 'deny', 'src/held.ts'],
  ['{ echo a; echo b; } > lib/held.ts', 'deny', 'lib/held.ts'],
  // env, sudo, wrappers, sh -c
  ['env X=1 rm src/held.ts', 'deny', 'src/held.ts'],
  ["X=1 sed -i 's/a/b/' src/held.ts", 'deny', 'src/held.ts'],
  ['sudo rm src/held.ts', 'deny', 'src/held.ts'],
  ['sudo -u root tee lib/held.ts < /dev/null', 'deny', 'lib/held.ts'],
  ['timeout 10 nice -n 5 /bin/rm src/held.ts', 'deny', 'src/held.ts'],
  ["bash -c 'rm src/held.ts'", 'deny', 'src/held.ts'],
  ['sh -c "cd src && touch held.ts"', 'deny', 'src/held.ts'],
  // What only the running command knows: let through.
  ["find . -name '*.ts' | xargs rm", 'pass'],
  ['eval "rm src/held.ts"', 'pass'],
  ['bash -c "$CMD"', 'pass'],
  ['./scripts/generate.sh src/held.ts', 'pass'],
  ['F=src/held.ts; rm "$F"', 'pass'],
  ['$(echo rm) src/held.ts', 'pass'],
  ['cd "$DIR" && rm held.ts', 'pass'],
  // Reads.
  ['cat src/held.ts', 'pass'],
  ['grep -rn held src lib', 'pass'],
  ['ls -la src assets', 'pass'],
  ['head -n 3 src/held.ts | wc -l', 'pass'],
  ['diff src/held.ts lib/held.ts', 'pass'],
  ['git diff -- src/held.ts && git log --oneline -3', 'pass'],
  ['git status --short', 'pass'],
  // Does not parse: the shell would refuse it too.
  ['echo "unterminated', 'pass'],
  ['if then fi ((', 'pass'],
  // Outside every managed repository; another managed one; another worktree; .git.
  ['echo x > ../scratch.txt', 'pass'],
  ['echo x > {unmanaged}/notes.md', 'pass'],
  ['echo x > {other}/notes.md', 'deny', 'notes.md (in the repository at {other})'],
  ["cd {other} && sed -i 's/a/b/' notes.md", 'deny', 'notes.md (in the repository at {other})'],
  ['echo x > {wt}/src/held.ts', 'deny', 'src/held.ts'],
  ['echo x >> .git/info/exclude', 'pass'],
];

test(`PreToolUse Bash: ${TABLE.length} commands, each with its verdict while another session holds files`, async (t) => {
  const { repo, worktree, other, unmanaged, env } = await setup(t);
  const fill = (text: string): string =>
    text.replaceAll('{base}', repo.base).replaceAll('{other}', other.root).replaceAll('{unmanaged}', unmanaged.root).replaceAll('{wt}', worktree);
  assert.ok(TABLE.length >= 60);
  for (const [template, verdict, names] of TABLE) {
    const command = fill(template);
    await t.test(command, () => {
      const run = runHook('pre-tool-use', bashInput(repo.root, command), { env });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stderr, '');
      const output = run.json?.hookSpecificOutput;
      if (verdict === 'pass') {
        assert.equal(run.stdout, '', 'passes silently');
        return;
      }
      assert.equal(output?.permissionDecision, 'deny', `denied: ${run.stdout}`);
      const reason = output?.permissionDecisionReason ?? '';
      assert.match(reason, /^agent-lease denied this command before it ran/);
      assert.ok(reason.includes(`${fill(names!)}, written by \``), `names the file and the part writing it:\n${reason}`);
      assert.match(reason, new RegExp(HOLDER), 'names the holder');
      assert.match(reason, /agent-lease who /, 'says how to follow the lease');
    });
  }
});

test("a command's writes are leased before it runs: a second session's edit of the file is denied at once", async (t) => {
  const { repo, env } = await setup(t);
  const first = runHook('pre-tool-use', bashInput(join(repo.root, 'src'), "cd .. && sed -i 's/x/y/' src/x.ts > lib/free.ts"), { env });
  assert.deepEqual([first.status, first.stdout, first.stderr], [0, '', '']);
  const leased = await withRepoStore(repo, async (store) => (await listLeases(store, { sessionId: A })).map((lease) => [lease.pattern, lease.source]));
  assert.deepEqual(leased.sort(), [
    ['lib/free.ts', 'edit'],
    ['src/x.ts', 'edit'],
  ]);
  const B = '5e6f7a8b-2222-4c3d-8e9f-1a2b3c4d5e6f';
  const edit = runHook(
    'pre-tool-use',
    fixture('pre-tool-use.edit', repo.root, B, { tool_input: { file_path: join(repo.root, 'src/x.ts'), old_string: 'a', new_string: 'b' } }),
    { env },
  );
  assert.equal(edit.json?.hookSpecificOutput?.permissionDecision, 'deny');
  assert.match(edit.json?.hookSpecificOutput?.permissionDecisionReason ?? '', new RegExp(`src/x\\.ts is leased to another session[\\s\\S]*${A.slice(0, 8)}`));
});

test('a denied command leases none of its files (all or nothing), and a directory it deletes is not leased', async (t) => {
  const { repo, env } = await setup(t);
  const run = runHook('pre-tool-use', bashInput(repo.root, 'touch src/a-new.ts && rm -r lib && echo > src/held.ts'), { env });
  assert.equal(run.json?.hookSpecificOutput?.permissionDecision, 'deny');
  const reason = run.json?.hookSpecificOutput?.permissionDecisionReason ?? '';
  assert.match(reason, /lib \(the directory and everything in it\), written by `rm -r lib`:\n {2}- lib\/\*\*: other-session/);
  assert.match(reason, /src\/held\.ts, written by `echo > src\/held\.ts`/);
  assert.deepEqual(await withRepoStore(repo, async (store) => await listLeases(store, { sessionId: A })), []);
  const free = runHook('pre-tool-use', bashInput(repo.root, 'rm -r docs/../src/x.ts assets/../lib/free.ts'), { env });
  assert.deepEqual([free.status, free.stdout], [0, '']);
});
