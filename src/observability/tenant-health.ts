// Copyright loopback4-tenant-registry contributors. MIT License.

import type {HealthThresholds} from '../options/tenant-registry-options';
import type {ModelRegistryStats} from '../registry/registry-stats';

/** The JSON of the health endpoint. */
export interface TenantRegistryHealth {
  /** `warning` when any threshold is crossed (see `warnings`). */
  status: 'healthy' | 'warning';
  /** Why the status is `warning` (empty when healthy). */
  warnings: string[];
  /**
   * `RegistryManager.getStats()` and the reuse rate, hits / (hits + misses),
   * `null` before any lookup (JSON shows an unlimited `maxTenants` as `null`).
   */
  metrics: ModelRegistryStats & {reuseRate: number | null};
  /** ISO 8601. */
  timestamp: string;
}

/** Refusals per minute, and passes in a row over the watermark, that warn. */
const SUSTAINED_REFUSALS = 100;
const SUSTAINED_PRESSURE_PASSES = 3;

/** The health report of `RegistryManager.getStats()`. @internal */
export function checkHealth(
  stats: ModelRegistryStats,
  thresholds: HealthThresholds = {},
  now = new Date(),
): TenantRegistryHealth {
  const lookups = stats.hits + stats.misses;
  const reuseRate = lookups === 0 ? null : stats.hits / lookups;
  const {warnAtTenants: warnAt, minReuseRate, minLookups = 100} = thresholds;
  const passes = stats.memoryPressure?.consecutivePasses ?? 0;
  const warnings = [
    warnAt !== undefined &&
      stats.tenantScopes > warnAt &&
      `${stats.tenantScopes} tenants are live, over the limit of ${warnAt}`,
    stats.tenantScopes >= stats.maxTenants &&
      `the tenant cap of ${stats.maxTenants} is reached`,
    stats.recentRefusals >= SUSTAINED_REFUSALS &&
      `${stats.recentRefusals} tenant admissions were refused in the last minute`,
    passes >= SUSTAINED_PRESSURE_PASSES &&
      `the heap has been above the memory-pressure watermark for ${passes} cleanup passes`,
    minReuseRate !== undefined &&
      reuseRate !== null &&
      lookups >= minLookups &&
      reuseRate < minReuseRate &&
      `the reuse rate ${reuseRate.toFixed(3)} is under ${minReuseRate}`,
    stats.events?.isInSync === false &&
      `fleet events are out of sync: ${stats.events.reason ?? 'unknown'}`,
    stats.lastCleanup?.error !== undefined &&
      `the last cleanup pass failed: ${stats.lastCleanup.error}`,
    (stats.schemas?.failed ?? 0) > 0 &&
      `${stats.schemas?.failed} tenants failed their last schema migration`,
    (stats.schemas?.locked ?? 0) > 0 &&
      `${stats.schemas?.locked} tenants were held by another migrator on their last schema migration`,
  ].filter((warning): warning is string => typeof warning === 'string');
  return {
    status: warnings.length === 0 ? 'healthy' : 'warning',
    warnings,
    metrics: {...stats, reuseRate},
    timestamp: now.toISOString(),
  };
}
