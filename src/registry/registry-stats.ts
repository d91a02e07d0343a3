// Copyright loopback4-tenant-registry contributors. MIT License.

import {leasedTenantIds} from '../context/tenant-lease';
import type {MemoryPressureState} from '../eviction/memory-pressure';
import type {TenantEventsStatus} from '../fleet/tenant-event';
import type {TenantSchemasStatus} from '../schemas/migration-results';
import type {TenantScopes} from './tenant-scopes';

/**
 * Why a tenant was evicted: `idle` (unused for longer than `maxIdleTime`),
 * `capacity` (over `maxTenants`, least recently used first), `memory` (the
 * heap crossed the `memoryPressure` threshold), `manual` (`evictTenant()`,
 * `evictAllTenants()` and their seed names) or `external` (an event from
 * another instance).
 */
export type EvictionReason =
  'idle' | 'capacity' | 'memory' | 'manual' | 'external';

/** Every {@link EvictionReason}, in a stable order. @internal */
export const EVICTION_REASONS: readonly EvictionReason[] = Object.freeze([
  'idle',
  'capacity',
  'memory',
  'manual',
  'external',
]);

/**
 * The outcome of admitting a tenant that was not live: `admitted`,
 * `notFound` (the admission check said no), `capacity` (`maxTenants`
 * reached and no tenant could make room) or `unavailable` (the check
 * failed, timed out, or too many were pending).
 */
export type AdmissionResult =
  'admitted' | 'notFound' | 'capacity' | 'unavailable';

/** What one eviction took from juggler. */
export interface TenantEviction {
  /** The tenant evicted. */
  tenantId: string;
  /** Why: `idle`, `capacity`, `memory`, `manual` or `external` (fleet). */
  reason: EvictionReason;
  /** Anonymous models removed from their builders. */
  models: number;
  /** Tenant-owned named models removed (see `trackModel`). */
  namedModels: number;
  /** Tenant-owned DataSources disconnected (see `trackDataSource`). */
  dataSources: number;
  /** Anonymous models kept because a live global model still uses them. */
  kept: number;
}

/** Events emitted by a `ModelRegistry`. */
export interface ModelRegistryEvents {
  tenantEvicted: [eviction: TenantEviction];
  /** A cleanup pass finished (see `RegistryManager`). */
  cleanupPass: [pass: CleanupPassStats];
}

/** A summary of a cleanup pass (times in milliseconds). */
export interface CleanupPassStats {
  /** When it started (clock time). */
  at: number;
  durationMs: number;
  /** Tenants it evicted. */
  evicted: number;
  /** The longest slice of work between two yields. */
  longestSliceMs?: number;
  /** The error message when the pass failed. */
  error?: string;
}

/**
 * The registry's counters: what `getStats()` returns, and what health, the
 * Prometheus metrics and the dashboard read.
 */
export interface ModelRegistryStats {
  /** Anonymous models registered in the global scope. */
  globalModels: number;
  /** Anonymous models registered in tenant scopes. */
  totalTenantModels: number;
  /** Live tenant scopes. */
  tenantScopes: number;
  /** Lookups answered by an existing model (juggler built nothing). */
  hits: number;
  /** The seed's name of `hits`. */
  reuseCount: number;
  /** Lookups that found no model. */
  misses: number;
  /** Models registered since start. */
  modelsCreated: number;
  /** Tenants with a lease (a request or `runInTenant` work in flight). */
  leasedTenants: number;
  /** Tenants to evict once their last lease ends. */
  pendingEvictions: number;
  /** The cap on live tenants (`Infinity` when off). */
  maxTenants: number;
  /** Tenants admitted or refused since start, by result. */
  admissions: Record<AdmissionResult, number>;
  /** Admissions refused within about the last minute. */
  recentRefusals: number;
  /** Evictions since start, by reason. */
  evictions: Record<EvictionReason, number>;
  /** Times the bridge fell back to juggler's own behaviour. */
  bridgeFallbacks: number;
  /** DataSource disconnects that failed or timed out. */
  disconnectFailures: number;
  /** `tenantEvicted` and `cleanupPass` listeners that threw. */
  listenerFailures: number;
  /** The last cleanup pass, if any ran. */
  lastCleanup: CleanupPassStats | undefined;
  /** Cleanup passes that failed. */
  cleanupFailures: number;
  /** The memory-pressure state (`RegistryManager.getStats()`, when on). */
  memoryPressure?: MemoryPressureState;
  /** The fleet transport's status (`RegistryManager.getStats()`). */
  events?: TenantEventsStatus;
  /** Tenant schema migrations (`RegistryManager.getStats()`): counts, no ids. */
  schemas?: TenantSchemasStatus;
}

/** One line of `getTenantRegistryInfo()`: one live tenant scope. */
export interface TenantRegistryInfo {
  /** The tenant. */
  tenantId: string;
  /** Anonymous models. */
  models: number;
  /** Tracked named models. */
  namedModels: number;
  /** Tracked DataSources. */
  dataSources: number;
  /** Lookups that found a model in this scope. */
  hits: number;
  /** Lookups that found none (a model was then built). */
  misses: number;
  /** Clock milliseconds. */
  lastAccessed: number;
  /** Whether a request or `runInTenant` holds it (no eviction then). */
  isLeased: boolean;
}

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
  readonly evictions = Object.fromEntries(
    EVICTION_REASONS.map(reason => [reason, 0]),
  ) as Record<EvictionReason, number>;

  recordAdmission(result: AdmissionResult, now: number): void {
    this.admissions[result]++;
    if (result === 'admitted') return;
    this.rollRefusals(now);
    this.refusalsNow++;
  }

  /** The stats, as copies; leased tenants are counted from the leases. */
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
