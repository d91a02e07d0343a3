// Copyright loopback4-tenant-registry contributors. MIT License.

import {getHeapStatistics} from 'node:v8';
import type {MemoryPressureSettings} from '../options/tenant-registry-options';

/** Heap figures for the memory-pressure check, in bytes. */
export interface HeapUsage {
  usedBytes: number;
  limitBytes: number;
}

export function readHeapUsage(): HeapUsage {
  return {
    usedBytes: process.memoryUsage().heapUsed,
    limitBytes: getHeapStatistics().heap_size_limit,
  };
}

/**
 * Heap held by one juggler model (docs/performance.md): the heap shrinks only
 * after a GC, so a pass estimates what it frees from what it evicts.
 */
export const ESTIMATED_BYTES_PER_MODEL = 11 * 1024;

const MAX_BACKOFF_PASSES = 16;

/** What the memory-pressure policy reports. */
export interface MemoryPressureState {
  /** The heap was above the high watermark at the last pass. */
  isUnderPressure: boolean;
  /** Passes in a row that found the heap above the high watermark. */
  consecutivePasses: number;
  /** Passes still to skip because evicting did not lower the heap. */
  backoffPasses: number;
}

/**
 * Above the high watermark, evict until the estimate is under the low one
 * (at most `maxEvictionsPerPass`); when evicting did not lower the heap
 * (something else holds it), skip 1, 2, 4 ... up to 16 passes.
 */
export class MemoryPressurePolicy {
  private skip = 0;
  private backoff = 0;
  private usedAtLastEviction: number | undefined;
  private consecutive = 0;

  constructor(
    private readonly settings: MemoryPressureSettings,
    private readonly readHeap: () => HeapUsage,
  ) {}

  /** This pass's bytes to free and most tenants to evict, if any. */
  plan(): {bytesToFree: number; maxTenants: number} | undefined {
    const {usedBytes, limitBytes} = this.readHeap();
    const {high, low, maxEvictionsPerPass} = this.settings;
    if (usedBytes <= limitBytes * high) {
      this.consecutive = this.skip = this.backoff = 0;
      this.usedAtLastEviction = undefined;
      return undefined;
    }
    this.consecutive++;
    if (this.skip > 0) {
      this.skip--;
      return undefined;
    }
    const lastUsed = this.usedAtLastEviction;
    this.usedAtLastEviction = undefined;
    if (lastUsed !== undefined && usedBytes >= lastUsed) {
      // Skip this pass and the next 0, 1, 3 ... (so 1, 2, 4 ... passes).
      const backoff = Math.max(1, this.backoff * 2);
      this.backoff = Math.min(MAX_BACKOFF_PASSES, backoff);
      this.skip = this.backoff - 1;
      return undefined;
    }
    if (lastUsed !== undefined) this.backoff = 0;
    this.usedAtLastEviction = usedBytes;
    const bytesToFree = usedBytes - limitBytes * low;
    return {bytesToFree, maxTenants: maxEvictionsPerPass};
  }

  getState(): MemoryPressureState {
    return {
      isUnderPressure: this.consecutive > 0,
      consecutivePasses: this.consecutive,
      backoffPasses: this.skip,
    };
  }
}
