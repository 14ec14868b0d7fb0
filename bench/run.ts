// `npm run bench`: every benchmark in turn, each printing its figures as ratios to a baseline
// measured in the same run.
const BENCHMARKS: Array<[string, string]> = [
  ['contention', './contention'],
  ['scale', './scale'],
  ['hook-latency', './hook-latency'],
  ['mcp-hook', './mcp-hook'],
  ['claude-code-writes', './claude-code-writes'],
  ['bash-hook', './bash-hook'],
  ['guard', './guard'],
  ['lock-files', './lock-files'],
  ['branch-holds', './branch-holds'],
  ['team-mode', './team-mode'],
  ['host-identity', './host-identity'],
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  for (const [name, module] of BENCHMARKS) {
    if (only.length > 0 && !only.includes(name)) continue;
    const started = Date.now();
    console.log(`\n=== ${name}`);
    await (require(module) as { main(): Promise<unknown> }).main();
    console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
