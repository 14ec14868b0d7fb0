#!/usr/bin/env node
// Entry point. `hook <event>` goes straight to the hook runner, which loads only what that event
// needs; `mcp` starts the MCP server (mcp/, the SDK loaded only there); everything else goes to
// the command line, which loads only the command it runs.
// The hook runner is loaded from one esbuild bundle of hooks/ and lib/ (and better-sqlite3's
// JavaScript): a hook runs on every tool call, and loading ~35 separate files cost it ~5 ms.
const [first, ...rest] = process.argv.slice(2);
// Other clients' hooks (`hook codex pre-tool-use`) have their own bundle: Claude Code's loads none of them.
const OTHER_CLIENTS = ['codex', 'gemini', 'opencode'];
if (first === 'hook' && OTHER_CLIENTS.includes(rest[0] ?? '')) {
  (require('../hooks/load') as typeof import('../hooks/load')).loadClientHookRunner(rest[0]!, rest[1] ?? '').runClientHook(rest);
} else if (first === 'hook') {
  (require('../hooks/load') as typeof import('../hooks/load')).loadHookRunner(rest[0] ?? '').runHook(rest);
} else if (first === 'mcp' && rest.length === 0) {
  void (require('../mcp/server') as typeof import('../mcp/server')).runServer();
} else {
  void (require('../cli/main') as typeof import('../cli/main')).main(process.argv.slice(2));
}
