// Schema migrations, applied in order; `PRAGMA user_version` is the number applied so far.
// Times are milliseconds since the epoch. Live-lease lookups go through partial indexes that only
// hold unreleased rows, so released history does not slow the hot path down.
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    runtime      TEXT NOT NULL,
    worktree     TEXT,
    branch       TEXT,
    pid          INTEGER,
    pid_start    TEXT,
    host         TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ended_at     INTEGER
  );
  CREATE INDEX sessions_live_process ON sessions (pid, pid_start) WHERE ended_at IS NULL;
  CREATE INDEX sessions_live_worktree ON sessions (worktree) WHERE ended_at IS NULL;

  CREATE TABLE leases (
    token          INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id     TEXT NOT NULL,
    pattern        TEXT NOT NULL,
    glob           INTEGER NOT NULL,
    prefix         TEXT NOT NULL,
    mode           TEXT NOT NULL CHECK (mode IN ('exclusive', 'shared')),
    task           TEXT,
    source         TEXT NOT NULL CHECK (source IN ('edit', 'claim', 'file')),
    acquired_at    INTEGER NOT NULL,
    ttl_ms         INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    released_at    INTEGER,
    release_reason TEXT
  );
  CREATE INDEX leases_live_prefix ON leases (prefix) WHERE released_at IS NULL;
  CREATE INDEX leases_live_session ON leases (session_id) WHERE released_at IS NULL;
  CREATE INDEX leases_released_at ON leases (released_at) WHERE released_at IS NOT NULL;

  CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    session_id TEXT,
    actor      TEXT,
    token      INTEGER,
    pattern    TEXT,
    detail     TEXT
  );
  CREATE INDEX events_at ON events (at);
  CREATE INDEX events_session ON events (session_id, at);
  `,
  // A session handing over to the next id of the same process (/clear, resume): not ended, its
  // leases kept until that next SessionStart carries them over. A lease's worktree: where the
  // change it protects lives (a session may edit files of another worktree).
  `
  ALTER TABLE sessions ADD COLUMN handover_at INTEGER;
  ALTER TABLE sessions ADD COLUMN handover_reason TEXT;
  ALTER TABLE leases ADD COLUMN worktree TEXT;
  `,
  // Branch holds: a committed change's lease, held by its branch until the change is integrated.
  // Their own table: the holder is a branch, not a session (leases.session_id is NOT NULL and
  // leases.source has a CHECK that SQLite cannot alter without rebuilding the table). The token is
  // that of the lease the hold came from, so it stays in the one fencing-token sequence.
  `
  CREATE TABLE branch_holds (
    token      INTEGER PRIMARY KEY,
    path       TEXT NOT NULL,
    prefix     TEXT NOT NULL,
    branch     TEXT NOT NULL,
    commit_id  TEXT,
    session_id TEXT,
    worktree   TEXT,
    created_at INTEGER NOT NULL,
    ttl_ms     INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ended_at   INTEGER,
    end_reason TEXT
  );
  CREATE INDEX branch_holds_live_prefix ON branch_holds (prefix) WHERE ended_at IS NULL;
  CREATE INDEX branch_holds_live_branch ON branch_holds (branch, path) WHERE ended_at IS NULL;
  `,
  // The agent within the holder session: a subagent's id, or null for the main thread (and for
  // every holder that is not a Claude Code session). See core/agents.ts.
  `
  ALTER TABLE leases ADD COLUMN agent_id TEXT;
  `,
  // Handoff requests between sessions (`agent-lease ask`, `reply`): each is told to its addressee
  // once, at its next hook that can carry context to the model. An ask names the lease it is
  // about, so that it follows the lease to the next session id of the same process.
  `
  CREATE TABLE messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL CHECK (kind IN ('ask', 'reply')),
    from_session TEXT NOT NULL,
    to_session   TEXT NOT NULL,
    token        INTEGER,
    path         TEXT,
    message      TEXT NOT NULL,
    reply_to     INTEGER,
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER
  );
  CREATE INDEX messages_undelivered ON messages (to_session) WHERE delivered_at IS NULL;
  CREATE INDEX messages_undelivered_token ON messages (token) WHERE delivered_at IS NULL;
  `,
  // A session's own asks, looked up at its hooks: has the lease it asked about passed to a branch?
  `
  CREATE INDEX messages_asks_by_sender ON messages (from_session) WHERE kind = 'ask';
  `,
  // The host a session runs on, as its pids mean something (core/host.ts): on Linux its boot and
  // pid namespace, not its name, which two containers may share. NULL in the rows of sessions
  // recorded before, which keep being judged by their host name until they register again.
  `
  ALTER TABLE sessions ADD COLUMN host_id TEXT;
  `,
];
