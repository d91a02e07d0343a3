// Copyright loopback4-tenant-registry contributors. MIT License.

import {leasedTenantIds, isTenantLeased} from '../context/tenant-lease';
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
 * A `ModelRegistry`'s stats: copies of the counters (callers may keep the
 * result). No walk over the tenants: model totals are kept as they change,
 * and busy tenants are counted from the counts of work in flight.
 *
 * @internal
 */
export function collectStats(sources: StatsSources): ModelRegistryStats {
  const {scopes, counters} = sources;
  const totalTenantModels = scopes.tally.anonymousModels;
  let leasedTenants = 0;
  for (const tenantId of leasedTenantIds()) {
    if (scopes.has(tenantId)) leasedTenants++;
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

/** How `getTenantRegistryInfo` orders and limits its lines. */
export interface TenantInfoQuery {
  /**
   * `lastAccessed`: the least recently used first; `models`: the most
   * models (anonymous and tracked named ones) first.
   * @defaultValue `'lastAccessed'`
   */
  orderBy?: 'lastAccessed' | 'models';
  /** At most this many lines. @defaultValue every live tenant */
  limit?: number;
}

/**
 * Lines for the live tenant registries, as `query` asks: O(lines returned)
 * with either order.
 *
 * @internal
 */
export function collectTenantInfo(
  scopes: TenantScopes,
  {orderBy = 'lastAccessed', limit = Infinity}: TenantInfoQuery = {},
): TenantRegistryInfo[] {
  const lines: TenantRegistryInfo[] = [];
  if (!(limit > 0)) return lines;
  const registries =
    orderBy === 'models' ? scopes.tally.ranked() : scopes.tenantRegistries();
  for (const registry of registries) {
    lines.push({
      ...registry.getStats(),
      namedModels: registry.trackedModels.size,
      dataSources: registry.dataSources.size,
      isLeased: isTenantLeased(registry.tenantId),
    });
    if (lines.length >= limit) break;
  }
  return lines;
}
