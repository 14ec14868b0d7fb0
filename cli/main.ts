// argv → command. Each command is a module in ./commands exporting `command: Command`; only the
// one being run is loaded.
import { AgentLeaseError, describeError, describeStoreError, EXIT, isEnvironmentError } from '../lib/util/errors';
import { HelpRequested } from './args';
import type { Command } from './command';
import { closeOpenedStores } from './open-stores';
import { writeErr, writeOut } from './output';

export const COMMANDS: Record<string, string> = {
  init: 'add the hooks to .claude/settings.json and install the commit guard',
  uninstall: 'remove exactly what init added',
  status: 'sessions and live leases',
  claim: 'lease paths or globs explicitly',
  release: 'give leases back',
  renew: 'extend your leases',
  end: "end a session (a person's) and release its leases",
  who: 'who holds a path',
  check: 'exit 1 when another session holds one of the paths',
  wait: 'wait until paths are free, optionally claiming them',
  ask: 'ask the holder of a path to hand it over',
  reply: 'answer a handoff request made to your session',
  mcp: 'run the MCP server (stdio) that Claude Code and other agents start',
  guard: 'pre-commit check of the staged files',
  log: 'the event log',
  gc: 'drop expired leases and old history',
  store: 'which store this repository uses; store migrate copies its leases to another',
  doctor: 'check the installation and the store',
  demo: 'a one-minute tour in a temporary repository',
  hook: 'run a Claude Code hook (reads the event JSON on stdin)',
};

export async function main(argv: string[]): Promise<void> {
  process.exitCode = await run(argv);
}

async function run(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeOut(overview());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    writeOut((require('../../package.json') as { version: string }).version);
    return EXIT.ok;
  }
  if (!Object.hasOwn(COMMANDS, name) || name === 'hook') {
    writeErr(`agent-lease: unknown command "${name}"; run "agent-lease --help" for the list`);
    return EXIT.usage;
  }
  try {
    const { command } = require(`./commands/${name}`) as { command: Command };
    try {
      return await command.run(args);
    } finally {
      await closeOpenedStores();
    }
  } catch (error) {
    if (error instanceof HelpRequested) {
      writeOut(error.message);
      return EXIT.ok;
    }
    if (error instanceof AgentLeaseError) {
      writeErr(`agent-lease ${name}: ${error.message}`);
      return error.exitCode;
    }
    if (isEnvironmentError(error)) {
      writeErr(`agent-lease ${name}: ${environmentProblem(error)}`);
      return EXIT.usage;
    }
    writeErr(`agent-lease ${name}: internal error: ${describeError(error)}`);
    if (process.env.AGENT_LEASE_DEBUG) writeErr(String((error as Error).stack));
    return EXIT.usage;
  }
}

/** A failure of the store or the file system, not of agent-lease: said as it is, with the likely cause. */
function environmentProblem(error: unknown): string {
  const code = String((error as { code: unknown }).code);
  return code.startsWith('SQLITE_') ? `the agent-lease store failed: ${describeStoreError(error)}; agent-lease doctor checks it` : describeError(error);
}

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, summary]) => `  ${name.padEnd(width)}  ${summary}`);
  return [
    'usage: agent-lease <command> [options]',
    '',
    'TTL advisory file leases for coding agents working in parallel on one repository.',
    '',
    'commands:',
    ...lines,
    '',
    'Run "agent-lease <command> --help" for a command\'s options.',
  ].join('\n');
}
