/** One CLI command: `run` returns the exit code; it throws AgentLeaseError for a one-line failure. */
export interface Command {
  usage: string;
  run(args: string[]): number | Promise<number>;
}
