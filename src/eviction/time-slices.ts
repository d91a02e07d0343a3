// Copyright loopback4-tenant-registry contributors. MIT License.

import {performance} from 'node:perf_hooks';
import {setImmediate as nextTurn} from 'node:timers/promises';

/** How long one slice of a bulk job works before it yields, in ms. */
export const SLICE_BUDGET_MS = 4;

/**
 * Run a bulk job in slices of about {@link SLICE_BUDGET_MS}: the first before
 * this returns, each next one after a `setImmediate` turn (I/O and timers go
 * first). `slice` works until `deadline` (`performance.now()`) and says
 * whether the job is done; one that throws ends the job with that error.
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

/** Whether a job checking every `every` units is past `deadline` at `done`. */
export function isPastDeadline(
  deadline: number,
  done: number,
  every = 1,
): boolean {
  return done % every === 0 && performance.now() >= deadline;
}
