// Copyright loopback4-tenant-registry contributors. MIT License.

import {hasWorkInFlight} from '../context/tenant-work';
import type {RegistryCounters} from './registry-counters';
import type {ModelRegistryStats, TenantRegistryInfo} from './registry-stats';
import type {TenantScopes} from './tenant-scopes';

/** What `collectStats` reads besides the scopes and counters. */
export interface StatsSources {
  scopes: TenantScopes;
  counters: RegistryCounters;
  pendingEvictions: number;
  disconnectFailures: number;
  maxTenants: number;
  now: number;
}

/**
 * A `ModelRegistry`'s stats: one walk over the live tenants, copies of the
 * counters (callers may keep the result).
 *
 * @internal
 */
export function collectStats(sources: StatsSources): ModelRegistryStats {
  const {scopes, counters} = sources;
  let totalTenantModels = 0;
  let leasedTenants = 0;
  for (const registry of scopes.tenantRegistries()) {
    totalTenantModels += registry.size;
    if (hasWorkInFlight(registry.tenantId)) leasedTenants++;
  }
  return {
    totalModels: scopes.global.size + totalTenantModels,
    globalModels: scopes.global.size,
    totalTenantModels,
    tenantRegistries: scopes.tenantCount,
    hits: counters.hits,
    reuseCount: counters.hits,
    misses: counters.misses,
    modelsCreated: counters.modelsCreated,
    leasedTenants,
    pendingEvictions: sources.pendingEvictions,
    maxTenants: sources.maxTenants,
    admissions: {...counters.admissions},
    recentRefusals: counters.recentRefusals(sources.now),
    evictions: {...counters.evictions},
    bridgeFallbacks: counters.bridgeFallbacks,
    disconnectFailures: sources.disconnectFailures,
    listenerFailures: counters.listenerFailures,
    lastCleanup: counters.lastCleanup && {...counters.lastCleanup},
    cleanupFailures: counters.cleanupFailures,
  };
}

/**
 * One line per live tenant registry, least recently used first.
 *
 * @internal
 */
export function collectTenantInfo(scopes: TenantScopes): TenantRegistryInfo[] {
  return [...scopes.tenantRegistries()].map(registry => ({
    ...registry.getStats(),
    namedModels: registry.trackedModels.size,
    dataSources: registry.dataSources.size,
    isLeased: hasWorkInFlight(registry.tenantId),
  }));
}
