// Copyright loopback4-tenant-registry contributors. MIT License.

import {readFileSync} from 'node:fs';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import {performance, PerformanceObserver} from 'node:perf_hooks';

/** How an action held the event loop while it ran. */
export interface LoopBlocks {
  /** The longest macrotask turn while it ran (GC pauses inside included). */
  maxBlockMs: number;
  /**
   * The most CPU the main thread used in one turn (Linux: its `schedstat`;
   * elsewhere the process's CPU): the same as `maxBlockMs` on an idle
   * machine, and unlike it not lengthened when the OS runs other processes
   * in the middle of a turn (a shared, loaded machine).
   */
  maxBlockCpuMs: number;
  /**
   * The 90th percentile of the main thread's CPU per turn, over the turns
   * that did work (0.5 ms or more): a typical slice.
   */
  p90BusyTurnCpuMs: number;
  /** The longest garbage-collection pause while it ran. */
  maxGcMs: number;
  /** Turns of the loop while it ran (1 + the times it yielded, roughly). */
  turns: number;
  /** CPU of the process (user + system) while it ran, the chain's included. */
  cpuMs: number;
  wallMs: number;
}

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;

/** CPU milliseconds of the main thread (of the process where unknown). */
export function mainThreadCpuMs(): number {
  try {
    return Number(readFileSync(SCHEDSTAT, 'latin1').split(' ')[0]) / 1e6;
  } catch {
    const {user, system} = process.cpuUsage();
    return (user + system) / 1000;
  }
}

/** A full garbage collection, so that an action is not charged for setup garbage. */
export function fullGc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * Run `action` and time every turn of the event loop meanwhile: a chain of
 * `setImmediate` callbacks notes the time between consecutive ones, which is
 * how long everything in between (a slice of the action, I/O callbacks, GC)
 * held the loop.
 */
export async function measureLoopBlocks<T>(
  action: () => Promise<T> | T,
): Promise<LoopBlocks & {result: T}> {
  fullGc();
  const gcPauses: number[] = [];
  const observer = new PerformanceObserver(list => {
    for (const entry of list.getEntries()) gcPauses.push(entry.duration);
  });
  observer.observe({entryTypes: ['gc']});
  let isRunning = true;
  let maxBlockMs = 0;
  let maxBlockCpuMs = 0;
  let turns = 0;
  const busyTurns: number[] = [];
  let last = performance.now();
  let lastCpu = mainThreadCpuMs();
  const turn = () => {
    const now = performance.now();
    const cpuNow = mainThreadCpuMs();
    maxBlockMs = Math.max(maxBlockMs, now - last);
    maxBlockCpuMs = Math.max(maxBlockCpuMs, cpuNow - lastCpu);
    if (cpuNow - lastCpu >= 0.5) busyTurns.push(cpuNow - lastCpu);
    last = now;
    lastCpu = cpuNow;
    turns++;
    if (isRunning) setImmediate(turn);
  };
  // Let the chain start before the action's first slice.
  await new Promise(resolve => setImmediate(resolve));
  setImmediate(turn);
  last = performance.now();
  lastCpu = mainThreadCpuMs();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await action();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  turn();
  isRunning = false;
  // GC entries arrive asynchronously.
  await new Promise(resolve => setTimeout(resolve, 20));
  observer.disconnect();
  return {
    result,
    maxBlockMs,
    maxBlockCpuMs,
    p90BusyTurnCpuMs: percentile(busyTurns, 0.9),
    maxGcMs: Math.max(0, ...gcPauses),
    turns,
    cpuMs: (used.user + used.system) / 1000,
    wallMs,
  };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}
