// Copyright loopback4-tenant-registry contributors. MIT License.

import type {RegistryManagerStats} from '../observers/registry-manager.observer';
import type {HealthThresholds} from '../options/tenant-registry-options';

/** The JSON of the health endpoint. */
export interface TenantRegistryHealth {
  status: 'healthy' | 'warning';
  /** Why the status is `warning` (empty when healthy). */
  warnings: string[];
  metrics: {
    tenants: number;
    maxTenants: number | null;
    leasedTenants: number;
    totalModels: number;
    globalModels: number;
    totalTenantModels: number;
    hits: number;
    misses: number;
    /** hits / (hits + misses), or `null` before any lookup. */
    reuseRate: number | null;
    admissions: RegistryManagerStats['admissions'];
    recentRefusals: number;
    evictions: RegistryManagerStats['evictions'];
    memoryPressure: RegistryManagerStats['memoryPressure'] | null;
    events: RegistryManagerStats['events'] | null;
    bridgeFallbacks: number;
    cleanupFailures: number;
    lastCleanup: RegistryManagerStats['lastCleanup'] | null;
  };
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
  stats: RegistryManagerStats,
  thresholds: HealthThresholds = {},
  now = new Date(),
): TenantRegistryHealth {
  const lookups = stats.hits + stats.misses;
  const reuseRate = lookups === 0 ? null : stats.hits / lookups;
  const warnings: string[] = [];
  const warnAt = thresholds.warnAtTenants;
  if (warnAt !== undefined && stats.tenantRegistries > warnAt) {
    warnings.push(
      `${stats.tenantRegistries} tenants are live, over the limit of ${warnAt}`,
    );
  }
  if (stats.tenantRegistries >= stats.maxTenants) {
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
    metrics: {
      tenants: stats.tenantRegistries,
      maxTenants: Number.isFinite(stats.maxTenants) ? stats.maxTenants : null,
      leasedTenants: stats.leasedTenants,
      totalModels: stats.totalModels,
      globalModels: stats.globalModels,
      totalTenantModels: stats.totalTenantModels,
      hits: stats.hits,
      misses: stats.misses,
      reuseRate,
      admissions: stats.admissions,
      recentRefusals: stats.recentRefusals,
      evictions: stats.evictions,
      memoryPressure: stats.memoryPressure ?? null,
      events: stats.events ?? null,
      bridgeFallbacks: stats.bridgeFallbacks,
      cleanupFailures: stats.cleanupFailures,
      lastCleanup: stats.lastCleanup ?? null,
    },
    timestamp: now.toISOString(),
  };
}
