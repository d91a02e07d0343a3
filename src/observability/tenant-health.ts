// Copyright loopback4-tenant-registry contributors. MIT License.

import type {ModelRegistryStats} from '../registry/registry-stats';

/** When the health report says `warning`. */
export interface HealthThresholds {
  /** Warn when more tenant registries than this are live. */
  maxTenants?: number;
  /** Warn when hits / lookups falls below this fraction (0 to 1). */
  minReuseRate?: number;
  /** Lookups needed before the reuse rate is judged. @defaultValue 100 */
  minLookups?: number;
}

/** The JSON of the health endpoint. */
export interface TenantRegistryHealth {
  status: 'healthy' | 'warning';
  /** Why the status is `warning` (empty when healthy). */
  warnings: string[];
  metrics: {
    tenants: number;
    leasedTenants: number;
    totalModels: number;
    globalModels: number;
    totalTenantModels: number;
    hits: number;
    misses: number;
    /** hits / (hits + misses), or `null` before any lookup. */
    reuseRate: number | null;
    evictions: ModelRegistryStats['evictions'];
    bridgeFallbacks: number;
    cleanupFailures: number;
    lastCleanup: ModelRegistryStats['lastCleanup'] | null;
  };
  /** ISO 8601. */
  timestamp: string;
}

/**
 * The health report of a registry.
 *
 * @param stats - `ModelRegistry.getStats()`.
 * @param thresholds - When to warn.
 * @param now - The report's time.
 */
export function checkHealth(
  stats: ModelRegistryStats,
  thresholds: HealthThresholds = {},
  now = new Date(),
): TenantRegistryHealth {
  const lookups = stats.hits + stats.misses;
  const reuseRate = lookups === 0 ? null : stats.hits / lookups;
  const warnings: string[] = [];
  if (
    thresholds.maxTenants !== undefined &&
    stats.tenantRegistries > thresholds.maxTenants
  ) {
    warnings.push(
      `${stats.tenantRegistries} tenants are live, over the limit of ${thresholds.maxTenants}`,
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
  if (stats.lastCleanup?.error !== undefined) {
    warnings.push(`the last cleanup pass failed: ${stats.lastCleanup.error}`);
  }
  return {
    status: warnings.length === 0 ? 'healthy' : 'warning',
    warnings,
    metrics: {
      tenants: stats.tenantRegistries,
      leasedTenants: stats.leasedTenants,
      totalModels: stats.totalModels,
      globalModels: stats.globalModels,
      totalTenantModels: stats.totalTenantModels,
      hits: stats.hits,
      misses: stats.misses,
      reuseRate,
      evictions: stats.evictions,
      bridgeFallbacks: stats.bridgeFallbacks,
      cleanupFailures: stats.cleanupFailures,
      lastCleanup: stats.lastCleanup ?? null,
    },
    timestamp: now.toISOString(),
  };
}
