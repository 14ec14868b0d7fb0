// better-sqlite3's addon built for another Node (node_modules installed with one Node, agent-lease
// run with another): the guard, the command line and the hooks each say so in one line that names
// both ABIs and the fix, never an "internal error" with Node's five-line message. The addon here is
// a stand-in compiled for the test that registers itself the way a real one does
// (NODE_MODULE_INIT), under another Node's ABI: this Node's loader refuses it as it refuses a real
// one (ERR_DLOPEN_FAILED).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeGuardedRepo } from './support/guard';
import { fixture, hookEnv } from './support/hooks';

const PROJECT = join(__dirname, '..');
/** An ABI of a real Node release other than this one: Node 24's, or Node 20's on Node 24. */
const OTHER_ABI = process.versions.modules === '137' ? '115' : '137';

const ADDON_SOURCE = `
struct node_module { int nm_version; unsigned int nm_flags; void *nm_dso_handle; const char *nm_filename;
  void *nm_register_func; void *nm_context_register_func; const char *nm_modname; void *nm_priv; void *nm_link; };
extern void node_module_register(void *);
void node_register_module_v${OTHER_ABI}(void) {}
static struct node_module module = { ${OTHER_ABI}, 0, 0, "better_sqlite3.cc", 0, (void *)node_register_module_v${OTHER_ABI}, "better_sqlite3", 0, 0 };
__attribute__((constructor)) static void registered(void) { node_module_register(&module); }
`;

function compilerMissing(): string | false {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'no C compiler (cc) to build the stand-in addon';
  }
}

/** The compiled agent-lease installed in `dir` with better-sqlite3's addon built for OTHER_ABI; its binary. */
function installWithOtherAbi(dir: string): string {
  cpSync(join(PROJECT, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(PROJECT, 'package.json'), join(dir, 'package.json'));
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(PROJECT, 'node_modules'))) {
    if (name !== 'better-sqlite3') symlinkSync(join(PROJECT, 'node_modules', name), join(modules, name));
  }
  const sqlite = join(modules, 'better-sqlite3');
  mkdirSync(join(sqlite, 'build', 'Release'), { recursive: true });
  for (const name of ['package.json', 'lib']) symlinkSync(join(PROJECT, 'node_modules', 'better-sqlite3', name), join(sqlite, name));
  writeFileSync(join(dir, 'addon.c'), ADDON_SOURCE);
  execFileSync('cc', ['-shared', '-fPIC', '-o', join(sqlite, 'build', 'Release', 'better_sqlite3.node'), join(dir, 'addon.c')]);
  return join(dir, 'dist', 'bin', 'agent-lease.js');
}

const ONE_LINE = new RegExp(
  `^better-sqlite3's native module was built for another Node \\(ABI ${OTHER_ABI}, Node \\d+\\), not for this Node ${process.version.replace(/\./g, '\\.')} \\(ABI ${process.versions.modules}\\): run \`npm rebuild better-sqlite3\` with this Node \\(${process.execPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)$`,
);

test('an addon built for another Node: the guard, the CLI and a hook say so in one line, with the fix', { skip: compilerMissing() }, async (t) => {
  const repo = makeGuardedRepo(['src/a.ts']);
  t.after(() => repo.cleanup());
  const bin = installWithOtherAbi(join(repo.base, 'install'));
  await repo.store().close();
  const launcher = join(repo.root, 'node_modules', '.bin', 'agent-lease');
  writeFileSync(launcher, `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
  chmodSync(launcher, 0o755);

  repo.write('src/a.ts', 'changed\n');
  repo.git(['add', 'src/a.ts']);
  const commit = repo.commit(['-q', '-m', 'change']);
  assert.notEqual(commit.status, 0, 'the commit is refused');
  const [problem, ...rest] = commit.stderr.trimEnd().split('\n');
  assert.match(problem!.replace(/^agent-lease guard: commit refused: /, '').replace(/\.$/, ''), ONE_LINE);
  assert.deepEqual(rest, ['  To commit anyway: AGENT_LEASE_BYPASS=1 git commit ...']);

  const status = spawnSync(process.execPath, [bin, 'status'], { cwd: repo.root, env: repo.env, encoding: 'utf8' });
  assert.equal(status.status, 2);
  assert.match(status.stderr.trimEnd().replace(/^agent-lease status: /, ''), ONE_LINE);

  const input = JSON.stringify(fixture('pre-tool-use.write', repo.root, 'a-session'));
  const hook = spawnSync(process.execPath, [bin, 'hook', 'pre-tool-use'], { input, env: hookEnv(repo.env), encoding: 'utf8' });
  assert.equal(hook.status, 0, hook.stderr);
  const message = (JSON.parse(hook.stdout) as { systemMessage: string }).systemMessage;
  const [, said] = /^agent-lease cannot use its store [^:]+: (.*); the edit was allowed WITHOUT a lease/.exec(message) ?? [];
  assert.match(said ?? message, ONE_LINE);
});
