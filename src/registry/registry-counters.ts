// Copyright loopback4-tenant-registry contributors. MIT License.

import {leasedTenantIds} from '../context/tenant-lease';
import type {
  AdmissionResult,
  CleanupPassStats,
  EvictionReason,
  ModelRegistryStats,
} from './registry-stats';
import type {TenantScopes} from './tenant-scopes';

const REFUSAL_BUCKET_MS = 30 * 1000;

/** The counters behind `ModelRegistry.getStats()` besides the lookups'. */
export class RegistryCounters {
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

  recordAdmission(result: AdmissionResult, now: number): void {
    this.admissions[result]++;
    if (result === 'admitted') return;
    this.rollRefusals(now);
    this.refusalsNow++;
  }

  /**
   * The stats, as copies, without a walk over the tenants: model totals are
   * kept as they change, leased tenants are counted from the leases.
   */
  snapshot(
    scopes: TenantScopes,
    extra: Pick<
      ModelRegistryStats,
      'pendingEvictions' | 'disconnectFailures' | 'maxTenants'
    >,
  ): ModelRegistryStats {
    let leasedTenants = 0;
    for (const tenantId of leasedTenantIds()) {
      if (scopes.has(tenantId)) leasedTenants++;
    }
    this.rollRefusals(scopes.clock.now());
    return {
      globalModels: scopes.global.size,
      totalTenantModels: scopes.tally.anonymousModels,
      tenantScopes: scopes.tenantCount,
      hits: scopes.hits,
      reuseCount: scopes.hits,
      misses: scopes.misses,
      modelsCreated: scopes.modelsCreated,
      leasedTenants,
      ...extra,
      admissions: {...this.admissions},
      recentRefusals: this.refusalsNow + this.refusalsBefore,
      evictions: {...this.evictions},
      bridgeFallbacks: this.bridgeFallbacks,
      listenerFailures: this.listenerFailures,
      lastCleanup: this.lastCleanup && {...this.lastCleanup},
      cleanupFailures: this.cleanupFailures,
    };
  }

  /** Refusals are kept in two 30-second buckets: about the last minute. */
  private rollRefusals(now: number): void {
    const elapsed = now - this.refusalWindowStart;
    if (elapsed < REFUSAL_BUCKET_MS) return;
    this.refusalsBefore =
      elapsed < 2 * REFUSAL_BUCKET_MS ? this.refusalsNow : 0;
    this.refusalsNow = 0;
    this.refusalWindowStart = now - (elapsed % REFUSAL_BUCKET_MS);
  }
}
