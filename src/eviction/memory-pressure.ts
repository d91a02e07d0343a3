// Copyright loopback4-tenant-registry contributors. MIT License.

import type {MemoryPressureSettings} from '../options/tenant-registry-options';
import type {HeapUsage} from './heap-usage';

/**
 * Heap held by one juggler model, as measured (docs/performance.md). The heap shrinks
 * only after the next GC, so a pass estimates what it frees from what it
 * evicts instead of reading the heap again.
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
 * When and how much to evict for memory: above the high watermark, evict
 * least recently used tenants until the estimate is under the low
 * watermark, at most `maxEvictionsPerPass`; when the heap did not go down
 * since the last evicting pass (something else holds it), skip 1, 2, 4 ...
 * up to 16 passes instead of evicting every tenant on every pass.
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
      // Evicting did not lower the heap: skip 1, 2, 4 ... passes (this one
      // and the next 0, 1, 3 ...), then try again.
      this.backoff = Math.min(
        MAX_BACKOFF_PASSES,
        Math.max(1, this.backoff * 2),
      );
      this.skip = this.backoff - 1;
      return undefined;
    }
    if (lastUsed !== undefined) this.backoff = 0;
    this.usedAtLastEviction = usedBytes;
    return {
      bytesToFree: usedBytes - limitBytes * low,
      maxTenants: maxEvictionsPerPass,
    };
  }

  /** The policy's state, for stats and health. */
  getState(): MemoryPressureState {
    return {
      isUnderPressure: this.consecutive > 0,
      consecutivePasses: this.consecutive,
      backoffPasses: this.skip,
    };
  }
}
