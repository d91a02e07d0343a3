// Copyright loopback4-tenant-registry contributors. MIT License.

/** The first retry's delay before jitter, in milliseconds. */
const BASE_DELAY = 50;

/**
 * How long to wait before retry number `attempt`: doubling from 50 ms,
 * capped at `maxDelay`, with "equal jitter" (between half and all of it) so
 * that a fleet that lost Redis together does not come back in lockstep.
 *
 * @param attempt - 1 for the first retry.
 * @param maxDelay - The cap, in milliseconds.
 * @param random - A source in [0, 1) (injectable for tests).
 * @returns Milliseconds, at least 1.
 * @internal
 */
export function retryDelay(
  attempt: number,
  maxDelay: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(BASE_DELAY * 2 ** exponent, maxDelay);
  return Math.max(1, Math.round(ceiling / 2 + (ceiling / 2) * random()));
}
