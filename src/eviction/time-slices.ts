// Copyright loopback4-tenant-registry contributors. MIT License.

import {performance} from 'node:perf_hooks';
import {setImmediate as nextTurn} from 'node:timers/promises';

/**
 * How long one slice of a bulk job works before it yields the event loop,
 * in milliseconds.
 *
 * @internal
 */
export const SLICE_BUDGET_MS = 4;

/**
 * Run a bulk job in slices of about {@link SLICE_BUDGET_MS}: the first slice
 * before this returns, each next one after the event loop has run what was
 * waiting (a `setImmediate` turn, so I/O callbacks and timers go first).
 *
 * @remarks
 * The one slicing mechanism of the package: cleanup passes, evict-all, the
 * fleet resync and the suspended-set diff use it. A job checks the deadline
 * itself, after each unit of work that may be slow (an eviction) and every
 * few cheap ones, so a slice overruns its budget by at most one unit.
 *
 * @param slice - Works until `deadline` (a `performance.now()` value) and
 * says whether the job is done.
 * @param onSlice - Told how long each slice took, in milliseconds.
 * @returns The job's end; a slice that throws ends it with that error.
 * @internal
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

/**
 * Whether a job that checks the clock every `every` units should read it
 * after `done` units, and the deadline has passed.
 *
 * @internal
 */
export function isPastDeadline(
  deadline: number,
  done: number,
  every = 1,
): boolean {
  return done % every === 0 && performance.now() >= deadline;
}
