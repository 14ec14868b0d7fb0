#!/usr/bin/env node
// Entry point. `hook <event>` goes straight to the hook runner, which loads only what that event
// needs; `mcp` starts the MCP server (mcp/, the SDK loaded only there); everything else goes to
// the command line, which loads only the command it runs.
// The hook runner is loaded from one esbuild bundle of hooks/ and lib/ (and better-sqlite3's
// JavaScript): a hook runs on every tool call, and loading ~35 separate files cost it ~5 ms.
const [first, ...rest] = process.argv.slice(2);
if (first === 'hook') {
  (require('../hooks/load') as typeof import('../hooks/load')).loadHookRunner(rest[0] ?? '').runHook(rest);
} else if (first === 'mcp' && rest.length === 0) {
  void (require('../mcp/server') as typeof import('../mcp/server')).runServer();
} else {
  (require('../cli/main') as typeof import('../cli/main')).main(process.argv.slice(2));
}
