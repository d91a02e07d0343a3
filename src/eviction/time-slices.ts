// Copyright loopback4-tenant-registry contributors. MIT License.

import {performance} from 'node:perf_hooks';
import {setImmediate as nextTurn} from 'node:timers/promises';

/** How long one slice of a bulk job works before it yields, in ms. */
export const SLICE_BUDGET_MS = 4;

/**
 * Run a bulk job (cleanup passes, evict-all, the fleet resync, the
 * suspended-set diff) in slices of about {@link SLICE_BUDGET_MS}: the first
 * before this returns, each next one after a `setImmediate` turn, so I/O
 * callbacks and timers go first.
 *
 * @remarks
 * `slice` works until `deadline` (a `performance.now()` value), checking it
 * after each unit that may be slow and every few cheap ones, and says
 * whether the job is done. A slice that throws ends the job with that error.
 */
export async function runInSlices(
  slice: (deadline: number) => boolean,
  onSlice?: (ms: number) => void,
): Promise<void> {
  for (;;) {
    const started = performance.now();
    let isDone: boolean;
    try {
      isDone = slice(started + SLICE_BUDGET_MS);
    } finally {
      onSlice?.(performance.now() - started);
    }
    if (isDone) return;
    await nextTurn();
  }
}

/** Whether, after `done` units, a job checking every `every` is past `deadline`. */
export function isPastDeadline(
  deadline: number,
  done: number,
  every = 1,
): boolean {
  return done % every === 0 && performance.now() >= deadline;
}
