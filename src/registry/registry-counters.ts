// Copyright loopback4-tenant-registry contributors. MIT License.

import type {
  AdmissionResult,
  CleanupPassStats,
  EvictionReason,
} from './registry-stats';

const REFUSAL_BUCKET_MS = 30 * 1000;

/**
 * The counters behind `ModelRegistry.getStats()`: plain fields, bumped on
 * the hot path without allocating.
 *
 * @internal
 */
export class RegistryCounters {
  hits = 0;
  misses = 0;
  modelsCreated = 0;
  bridgeFallbacks = 0;
  listenerFailures = 0;
  cleanupFailures = 0;
  lastCleanup: CleanupPassStats | undefined;
  private refusalWindowStart = 0;
  private refusalsNow = 0;
  private refusalsBefore = 0;
  readonly admissions: Record<AdmissionResult, number> = {
    admitted: 0,
    notFound: 0,
    capacity: 0,
    unavailable: 0,
  };
  readonly evictions: Record<EvictionReason, number> = {
    idle: 0,
    capacity: 0,
    memory: 0,
    manual: 0,
    external: 0,
  };

  /** Count a refused admission at `now` (clock milliseconds). */
  recordRefusal(now: number): void {
    this.rollRefusals(now);
    this.refusalsNow++;
  }

  /** Refusals within about the last minute (two 30-second buckets). */
  recentRefusals(now: number): number {
    this.rollRefusals(now);
    return this.refusalsNow + this.refusalsBefore;
  }

  private rollRefusals(now: number): void {
    const elapsed = now - this.refusalWindowStart;
    if (elapsed < REFUSAL_BUCKET_MS) return;
    this.refusalsBefore =
      elapsed < 2 * REFUSAL_BUCKET_MS ? this.refusalsNow : 0;
    this.refusalsNow = 0;
    this.refusalWindowStart = now - (elapsed % REFUSAL_BUCKET_MS);
  }
}
