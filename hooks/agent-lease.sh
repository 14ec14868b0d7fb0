#!/bin/sh
# agent-lease: Claude Code's hooks run agent-lease through this script: `<script> hook <event>`.
# Generated from lib/claude/hook-commands.ts (test/init.test.ts says how); do not edit.
d="${CLAUDE_PROJECT_DIR:-.}"
b="$d/node_modules/.bin/agent-lease"
[ -x "$b" ] || b="$(git -C "$d" rev-parse --path-format=absolute --git-common-dir 2>/dev/null)/../node_modules/.bin/agent-lease"
[ -x "$b" ] || b="$(command -v agent-lease)" || { echo "agent-lease is not installed (looked in $d/node_modules/.bin/agent-lease, the main worktree and PATH): run npm i -g agent-lease. Files are NOT being leased." >&2; exit 1; }
unset NODE_EXTRA_CA_CERTS
exec "$b" "$@"
