// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  checkHealth,
  type TenantRegistryHealth,
} from '../observability/tenant-health';
import type {RegistryManager} from '../observers/registry-manager.observer';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';
import type {ModelRegistry} from '../registry/model-registry';
import type {TenantRegistryInfo} from '../registry/registry-stats';

/** Rows in each of the dashboard's top lists. */
const TOP = 10;

/** One row of a dashboard top list. */
export interface DashboardTenantRow {
  tenantId: string;
  /** Anonymous and tracked named models. */
  models: number;
  idleMs: number;
  isLeased: boolean;
}

/** The JSON of the dashboard's `api/stats`. */
export interface DashboardStats {
  health: TenantRegistryHealth;
  topByModels: DashboardTenantRow[];
  topByIdle: DashboardTenantRow[];
}

/**
 * What the dashboard polls (every 2 s while the page is open): health, and
 * the tenants with the most models and the longest idle.
 *
 * @remarks
 * O(rows shown), not O(tenants): totals and the ranking by models are kept
 * as they change (`ModelTally`), the idle list is the head of the
 * least-recently-used list, and leased tenants are counted from the leases.
 * Nothing is cached, so a poll is never stale.
 *
 * @internal
 */
export function dashboardStats(
  registry: ModelRegistry,
  manager: Pick<RegistryManager, 'getStats'>,
  options: Pick<ResolvedTenantRegistryOptions, 'health'>,
): DashboardStats {
  const now = registry.clock.now();
  const row = (info: TenantRegistryInfo): DashboardTenantRow => ({
    tenantId: info.tenantId,
    models: info.models + info.namedModels,
    idleMs: Math.max(0, now - info.lastAccessed),
    isLeased: info.isLeased,
  });
  return {
    health: checkHealth(manager.getStats(), options.health),
    topByModels: registry
      .getTenantRegistryInfo({orderBy: 'models', limit: TOP})
      .map(row),
    topByIdle: registry.getTenantRegistryInfo({limit: TOP}).map(row),
  };
}
