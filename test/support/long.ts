// `npm run test:long` (AGENT_LEASE_LONG=1) runs the randomized and repeated tests at full size;
// `npm test` runs a shorter version of each, always.
export const LONG = process.env.AGENT_LEASE_LONG === '1';

/** `short` runs in `npm test`, `long` in `npm run test:long`. */
export function scaled(short: number, long: number): number {
  return LONG ? long : short;
}
