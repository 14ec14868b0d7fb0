// Configuration defaults: what applies where .agent-lease.json says nothing.

/** Paths never leased unless the configuration says otherwise: lockfiles and build output. */
export const DEFAULT_IGNORE: readonly string[] = [
  '**/package-lock.json',
  '**/npm-shrinkwrap.json',
  '**/yarn.lock',
  '**/pnpm-lock.yaml',
  '**/bun.lockb',
  '**/Cargo.lock',
  '**/poetry.lock',
  '**/uv.lock',
  '**/go.sum',
  '**/node_modules/**',
  'dist/**',
  'build/**',
  '.agent-locks/**',
];

/** How long released leases, ended sessions and events are kept before `gc` deletes them. */
export const DEFAULT_RETENTION_MS = 7 * 24 * 3_600_000;
