// Runs commands one after another and prints their results as one JSON array. A test uses it to
// run several steps inside one `unshare --mount` namespace, whose small file system lasts only as
// long as this process does.
//   stdin: [{ "argv": [...], "input"?: string, "env"?: {...}, "cwd"?: string }, ...]
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');

const steps = JSON.parse(readFileSync(0, 'utf8'));
const results = steps.map(({ argv, input, env, cwd }) => {
  const result = spawnSync(argv[0], argv.slice(1), { input: input ?? '', env, cwd, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
});
process.stdout.write(JSON.stringify(results));
