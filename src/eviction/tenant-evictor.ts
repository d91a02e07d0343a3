// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {performance} from 'node:perf_hooks';
import {isTenantLeased, onLeasesEnded} from '../context/tenant-lease';
import type {RegistryCounters} from '../registry/registry-counters';
import type {EvictionReason, TenantEviction} from '../registry/registry-stats';
import type {ModelScope} from '../registry/model-scope';
import type {TenantScopes} from '../registry/tenant-scopes';
import type {DataSourceCloser} from '../datasources/datasource-closer';
import {releaseDataSourceModels, releaseModels} from './footprint-release';

const debug = debugFactory('loopback:tenant-registry:eviction');

/**
 * What a walk does with the tenant it is looking at: evict it, leave it and
 * go on, or end the walk.
 *
 * @internal
 */
export type EvictionDecision = 'evict' | 'skip' | 'stop';

/** The outcome of one walk (or one slice of it). */
export interface EvictionWalk {
  evicted: number;
  /** `false` when the walk stopped at its deadline with work left. */
  isComplete: boolean;
}

// A walk reads the clock (about 30 ns) after every eviction: one eviction
// can take milliseconds (a tenant with many models, or a large V8 dictionary
// in juggler shrinking as an entry is deleted), so checking every few of
// them let a slice run several times its budget. Tenants passed over cost
// about as much as the clock: it is read every few of them.
const SKIPS_PER_DEADLINE_CHECK = 32;

/**
 * Evicts tenants: one at a time, or in one least-recently-used walk driven by
 * a decision function (idle, capacity, memory and "all" are all walks). A
 * tenant with work in flight is never evicted; an eviction asked for while it
 * is busy waits for its last unit of work to end.
 *
 * @internal
 */
export class TenantEvictor {
  private readonly pending = new Map<string, EvictionReason>();
  private stopWaiting: (() => void) | undefined;

  constructor(
    private readonly scopes: TenantScopes,
    private readonly counters: RegistryCounters,
    private readonly closer: DataSourceCloser,
    private readonly notify: (eviction: TenantEviction) => void,
  ) {}

  /**
   * Evict a tenant now, or once its work in flight ends.
   *
   * @returns What was released, or `undefined` when nothing was evicted now.
   */
  evict(tenantId: string, reason: EvictionReason): TenantEviction | undefined {
    const registry = this.scopes.get(tenantId);
    if (registry === undefined || registry === this.scopes.global) {
      this.clearPending(tenantId);
      return undefined;
    }
    if (isTenantLeased(tenantId)) {
      this.markPending(tenantId, reason);
      return undefined;
    }
    return this.evictNow(registry, reason);
  }

  /**
   * Walk the tenants from the least recently used, skipping busy ones, and
   * evict those `decide` picks, until it says `stop`, the tenants run out or
   * `deadline` (a `performance.now()` value) passes.
   *
   * @param deferLeased - Show `decide` the busy tenants too, and mark those it
   * picks to be evicted once their work ends.
   */
  walk(
    reason: EvictionReason,
    decide: (registry: ModelScope) => EvictionDecision,
    deadline = Infinity,
    deferLeased = false,
  ): EvictionWalk {
    const hasDeadline = deadline !== Infinity;
    let evicted = 0;
    let skipped = 0;
    for (const registry of this.scopes.tenantRegistries()) {
      const isBusy = isTenantLeased(registry.tenantId);
      const decision = isBusy && !deferLeased ? 'skip' : decide(registry);
      if (decision === 'stop') break;
      if (decision === 'evict' && !isBusy) {
        this.evictNow(registry, reason);
        evicted++;
      } else {
        if (decision === 'evict') this.markPending(registry.tenantId, reason);
        if (++skipped % SKIPS_PER_DEADLINE_CHECK !== 0) continue;
      }
      if (hasDeadline && performance.now() >= deadline) {
        return {evicted, isComplete: false};
      }
    }
    return {evicted, isComplete: true};
  }

  /**
   * Make room for one more tenant under `maxTenants`: evict least recently
   * used tenants that are not busy and were not used within
   * `protectionWindow` milliseconds (reason `capacity`).
   *
   * @returns 0 when there is room now; else the milliseconds until the
   * oldest protected tenant leaves its window (1000 when every tenant is
   * busy).
   */
  makeRoom(maxTenants: number, protectionWindow: number): number {
    if (this.scopes.tenantCount < maxTenants) return 0;
    const cutoff = this.scopes.now() - protectionWindow;
    let wait = 1000;
    this.walk('capacity', registry => {
      if (this.scopes.tenantCount < maxTenants) return 'stop';
      if (registry.lastAccessed < cutoff) return 'evict';
      // Least recently used first: every later tenant is protected too.
      wait = Math.max(1, registry.lastAccessed - cutoff);
      return 'stop';
    });
    return this.scopes.tenantCount < maxTenants ? 0 : wait;
  }

  /** Evict the tenants whose eviction waited for their work to end. */
  runPending(): number {
    let evicted = 0;
    for (const [tenantId, reason] of [...this.pending]) {
      if (this.evict(tenantId, reason) !== undefined) evicted++;
    }
    return evicted;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  private evictNow(
    registry: ModelScope,
    reason: EvictionReason,
  ): TenantEviction {
    const tenantId = registry.tenantId;
    this.clearPending(tenantId);
    const records = registry.records();
    // Release while the tenant's records are still indexed: releasing a
    // named model skips the children the registry knows (they go, or stay
    // pinned by a live referrer, with the records), and tells this tenant's
    // own anonymous referrers from outside ones.
    const released = releaseModels(
      {tenantId, records, trackedModels: registry.trackedModels},
      this.scopes.recordOf,
    );
    this.scopes.remove(registry, records);
    for (const dataSource of registry.dataSources) {
      releaseDataSourceModels(dataSource);
      this.closer.close(dataSource, tenantId);
    }
    const eviction: TenantEviction = {
      tenantId,
      reason,
      ...released,
      dataSources: registry.dataSources.size,
    };
    registry.untrackModel();
    registry.dataSources.clear();
    this.counters.evictions[reason]++;
    debug('evicted %s (%s): %o', tenantId, reason, eviction);
    this.notify(eviction);
    return eviction;
  }

  /** Remember to evict a busy tenant later; the first reason is kept. */
  private markPending(tenantId: string, reason: EvictionReason): void {
    if (this.pending.has(tenantId)) return;
    this.pending.set(tenantId, reason);
    this.stopWaiting ??= onLeasesEnded(done => {
      const waiting = this.pending.get(done);
      if (waiting !== undefined) this.evict(done, waiting);
    });
  }

  private clearPending(tenantId: string): void {
    if (!this.pending.delete(tenantId) || this.pending.size > 0) return;
    // Nothing waits any more: stop listening, so that the module-level
    // listener set never keeps an idle registry alive.
    this.stopWaiting?.();
    this.stopWaiting = undefined;
  }
}
