// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {performance} from 'node:perf_hooks';
import {isTenantLeased, onLeasesEnded} from '../context/tenant-lease';
import type {DataSourceCloser} from '../datasources/datasource-closer';
import type {ModelScope} from '../registry/model-scope';
import type {EvictionReason, TenantEviction} from '../registry/registry-stats';
import type {TenantScopes} from '../registry/tenant-scopes';
import {evictModels, releaseDataSourceModels} from './footprint-release';

const debug = debugFactory('loopback:tenant-registry:eviction');

/**
 * What a walk does with the tenant it is looking at: evict it, pass over it
 * (`skip`, as evict-all does with tenants created after it started), or end
 * the walk.
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

// The clock (about 30 ns) is read after every eviction, which can take
// milliseconds (a tenant with many models, or a large V8 dictionary in
// juggler shrinking), and after every few tenants passed over, which cost
// about as much as reading it.
const SKIPS_PER_DEADLINE_CHECK = 32;

/**
 * Evicts tenants: one at a time, or in one least-recently-used walk driven
 * by a decision function (idle, capacity, memory and "all" are all walks).
 * A leased tenant is never evicted; an eviction asked for meanwhile waits
 * for its last lease to end.
 *
 * @internal
 */
export class TenantEvictor {
  private readonly pending = new Map<string, EvictionReason>();
  private stopWaiting: (() => void) | undefined;

  constructor(
    private readonly scopes: TenantScopes,
    private readonly closer: DataSourceCloser,
    private readonly onEvicted: (eviction: TenantEviction) => void,
  ) {}

  /**
   * Evict a tenant now, or once its last lease ends.
   *
   * @returns What was evicted, or `undefined` when nothing was evicted now.
   */
  evict(tenantId: string, reason: EvictionReason): TenantEviction | undefined {
    const scope = this.scopes.get(tenantId);
    if (scope === undefined || scope === this.scopes.global) {
      this.clearPending(tenantId);
      return undefined;
    }
    if (isTenantLeased(tenantId)) {
      this.markPending(tenantId, reason);
      return undefined;
    }
    return this.evictNow(scope, reason);
  }

  /**
   * Walk the tenants from the least recently used, passing over leased ones,
   * and evict those `decide` picks, until it says `stop`, the tenants run
   * out or `deadline` (a `performance.now()` value) passes.
   *
   * @param deferLeased - Show `decide` the leased tenants too, and evict
   * those it picks once their last lease ends.
   */
  walk(
    reason: EvictionReason,
    decide: (scope: ModelScope) => EvictionDecision,
    deadline = Infinity,
    deferLeased = false,
  ): EvictionWalk {
    const hasDeadline = deadline !== Infinity;
    let evicted = 0;
    let skipped = 0;
    for (const scope of this.scopes.tenantScopes()) {
      const isLeased = isTenantLeased(scope.tenantId);
      const decision = isLeased && !deferLeased ? 'skip' : decide(scope);
      if (decision === 'stop') break;
      if (decision === 'evict' && !isLeased) {
        this.evictNow(scope, reason);
        evicted++;
      } else {
        if (decision === 'evict') this.markPending(scope.tenantId, reason);
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
   * used tenants without a lease and not used within `protectionWindow`
   * milliseconds (reason `capacity`).
   *
   * @returns 0 when there is room now; else the milliseconds until the
   * oldest protected tenant leaves its window (1000 when every tenant is
   * leased).
   */
  makeRoom(maxTenants: number, protectionWindow: number): number {
    if (this.scopes.tenantCount < maxTenants) return 0;
    const cutoff = this.scopes.clock.now() - protectionWindow;
    let wait = 1000;
    this.walk('capacity', scope => {
      if (this.scopes.tenantCount < maxTenants) return 'stop';
      if (scope.lastAccessed < cutoff) return 'evict';
      // Least recently used first: every later tenant is protected too.
      wait = Math.max(1, scope.lastAccessed - cutoff);
      return 'stop';
    });
    return this.scopes.tenantCount < maxTenants ? 0 : wait;
  }

  /** Evict the tenants whose eviction waited for their last lease. */
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

  private evictNow(scope: ModelScope, reason: EvictionReason): TenantEviction {
    const tenantId = scope.tenantId;
    this.clearPending(tenantId);
    const records = scope.records();
    // Evict while the tenant's records are still indexed: evicting a named
    // model then passes over the children the registry knows (they go, or
    // stay pinned by a live referrer, with the records), and this tenant's
    // own anonymous referrers are told from outside ones.
    const models = evictModels(
      {tenantId, records, trackedModels: scope.trackedModels},
      this.scopes.recordOf,
    );
    this.scopes.evict(scope, records);
    for (const dataSource of scope.dataSources) {
      releaseDataSourceModels(dataSource);
      this.closer.close(dataSource, tenantId);
    }
    const eviction: TenantEviction = {
      tenantId,
      reason,
      ...models,
      dataSources: scope.dataSources.size,
    };
    scope.untrackModel();
    scope.dataSources.clear();
    debug('evicted %s (%s): %o', tenantId, reason, eviction);
    this.onEvicted(eviction);
    return eviction;
  }

  /** Evict a leased tenant once its last lease ends; the first reason stays. */
  private markPending(tenantId: string, reason: EvictionReason): void {
    if (this.pending.has(tenantId)) return;
    this.pending.set(tenantId, reason);
    this.stopWaiting ??= onLeasesEnded(ended => {
      const waiting = this.pending.get(ended);
      if (waiting !== undefined) this.evict(ended, waiting);
    });
  }

  private clearPending(tenantId: string): void {
    if (!this.pending.delete(tenantId) || this.pending.size > 0) return;
    // Nothing waits: stop listening, so that the module-level listener set
    // never keeps an idle registry alive.
    this.stopWaiting?.();
    this.stopWaiting = undefined;
  }
}
