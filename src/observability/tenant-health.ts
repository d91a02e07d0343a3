// Copyright loopback4-tenant-registry contributors. MIT License.

import type {HealthThresholds} from '../options/tenant-registry-options';
import type {ModelRegistryStats} from '../registry/registry-stats';

/** The JSON of the health endpoint. */
export interface TenantRegistryHealth {
  status: 'healthy' | 'warning';
  /** Why the status is `warning` (empty when healthy). */
  warnings: string[];
  /**
   * `RegistryManager.getStats()`, and the reuse rate: hits / (hits +
   * misses), `null` before any lookup. (JSON shows an unlimited
   * `maxTenants` as `null`.)
   */
  metrics: ModelRegistryStats & {reuseRate: number | null};
  /** ISO 8601. */
  timestamp: string;
}

/** Refusals per minute above which health warns. */
const SUSTAINED_REFUSALS = 100;
/** Passes in a row above the high watermark before health warns. */
const SUSTAINED_PRESSURE_PASSES = 3;

/**
 * The health report of a registry.
 *
 * @param stats - `RegistryManager.getStats()`.
 * @param thresholds - When to warn.
 * @param now - The report's time.
 * @internal
 */
export function checkHealth(
  stats: ModelRegistryStats,
  thresholds: HealthThresholds = {},
  now = new Date(),
): TenantRegistryHealth {
  const lookups = stats.hits + stats.misses;
  const reuseRate = lookups === 0 ? null : stats.hits / lookups;
  const warnings: string[] = [];
  const warnAt = thresholds.warnAtTenants;
  if (warnAt !== undefined && stats.tenantScopes > warnAt) {
    warnings.push(
      `${stats.tenantScopes} tenants are live, over the limit of ${warnAt}`,
    );
  }
  if (stats.tenantScopes >= stats.maxTenants) {
    warnings.push(`the tenant cap of ${stats.maxTenants} is reached`);
  }
  if (stats.recentRefusals >= SUSTAINED_REFUSALS) {
    warnings.push(
      `${stats.recentRefusals} tenant admissions were refused in the last minute`,
    );
  }
  const pressure = stats.memoryPressure;
  if (pressure && pressure.consecutivePasses >= SUSTAINED_PRESSURE_PASSES) {
    warnings.push(
      `the heap has been above the memory-pressure watermark for ${pressure.consecutivePasses} cleanup passes`,
    );
  }
  if (
    thresholds.minReuseRate !== undefined &&
    reuseRate !== null &&
    lookups >= (thresholds.minLookups ?? 100) &&
    reuseRate < thresholds.minReuseRate
  ) {
    warnings.push(
      `the reuse rate ${reuseRate.toFixed(3)} is under ${thresholds.minReuseRate}`,
    );
  }
  if (stats.events !== undefined && !stats.events.isInSync) {
    warnings.push(
      `fleet events are out of sync: ${stats.events.reason ?? 'unknown'}`,
    );
  }
  if (stats.lastCleanup?.error !== undefined) {
    warnings.push(`the last cleanup pass failed: ${stats.lastCleanup.error}`);
  }
  return {
    status: warnings.length === 0 ? 'healthy' : 'warning',
    warnings,
    metrics: {...stats, reuseRate},
    timestamp: now.toISOString(),
  };
}
