// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {performance} from 'node:perf_hooks';
import {setImmediate as nextTurn} from 'node:timers/promises';
import {isTenantLeased, onLeasesEnded} from '../context/tenant-lease';
import type {DataSourceCloser} from '../datasources/datasource-closer';
import type {ModelScope} from '../registry/model-scope';
import type {EvictionReason, TenantEviction} from '../registry/registry-stats';
import type {TenantScopes} from '../registry/tenant-scopes';
import {evictDataSourceModels, evictModels} from './footprint-eviction';

const debug = debugFactory('loopback:tenant-registry:eviction');

/** What a walk does with a tenant: evict it, pass over it, or end the walk. */
export type Decide = (scope: ModelScope) => 'evict' | 'skip' | 'stop';

/** Evict the tenants last used before `cutoff`: the first used since stops. */
export function usedBefore(cutoff: number): Decide {
  return scope => (scope.lastAccessed < cutoff ? 'evict' : 'stop');
}

// An eviction can take milliseconds, a clock read costs about as much as
// passing over a tenant (docs/performance.md).
const SKIPS_PER_DEADLINE_CHECK = 32;

/** How long one slice of a bulk job works before it yields, in ms. */
export const SLICE_BUDGET_MS = 4;

/**
 * Run `slice` until it says it is done, each time until `deadline`
 * (`performance.now()`), the first now and each next after a `setImmediate`
 * turn, so that I/O and timers go between; a throw ends the job.
 */
export async function runInSlices(
  slice: (deadline: number) => boolean,
  onSlice?: (ms: number) => void,
): Promise<void> {
  for (;;) {
    const started = performance.now();
    let isDone: boolean;
    try {
      isDone = slice(started + SLICE_BUDGET_MS);
    } finally {
      onSlice?.(performance.now() - started);
    }
    if (isDone) return;
    await nextTurn();
  }
}

/** Whether a job checking every `every` units is past `deadline` at `done`. */
export function isPastDeadline(deadline: number, done: number, every = 1) {
  return done % every === 0 && performance.now() >= deadline;
}

/**
 * Evicts tenants, one at a time or in least-recently-used walks. A leased
 * tenant is never evicted: an eviction asked for waits for its last lease.
 */
export class TenantEvictor {
  /** Tenants whose eviction waits for their last lease. */
  readonly pending = new Map<string, EvictionReason>();
  private stopWaiting: (() => void) | undefined;

  constructor(
    private readonly scopes: TenantScopes,
    private readonly closer: DataSourceCloser,
    private readonly limits: {maxTenants: number; protectionWindow: number},
    private readonly onEvicted: (eviction: TenantEviction) => void,
  ) {}

  /** Evict a tenant now (what went is returned), or once its leases end. */
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
   * Evict what `decide` picks, least recently used first, until it says
   * `stop`, the tenants run out or `deadline` (`performance.now()`) passes
   * (`isComplete` is then `false`). Leased tenants are passed over; with
   * `deferLeased`, `decide` sees them and they go once their leases end.
   */
  walk(
    reason: EvictionReason,
    decide: Decide,
    deadline = Infinity,
    deferLeased = false,
  ): {evicted: number; isComplete: boolean} {
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
      if (deadline !== Infinity && performance.now() >= deadline) {
        return {evicted, isComplete: false};
      }
    }
    return {evicted, isComplete: true};
  }

  /** {@link TenantEvictor.walk} in slices; `external` defers leased ones. */
  async walkInSlices(
    reason: EvictionReason,
    decide: Decide,
    onSlice?: (ms: number) => void,
  ): Promise<number> {
    let evicted = 0;
    await runInSlices(deadline => {
      const walk = this.walk(reason, decide, deadline, reason === 'external');
      evicted += walk.evicted;
      return walk.isComplete;
    }, onSlice);
    return evicted;
  }

  /** Evict the waiting tenants, then every tenant without a lease. */
  evictAll(reason: EvictionReason): number {
    const pending = this.runPending();
    return (
      pending +
      this.walk(reason, () => 'evict', Infinity, reason === 'external').evicted
    );
  }

  /** {@link TenantEvictor.evictAll} in slices, for the tenants live now. */
  async evictAllInSlices(
    reason: EvictionReason,
    onSlice?: (ms: number) => void,
  ): Promise<number> {
    const pending = this.runPending();
    // Tenants created since may sit before older ones touched since: skip
    // them, where `stop` would miss those.
    const newest = this.scopes.lastSerial;
    const isLiveNow: Decide = scope =>
      scope.serial <= newest ? 'evict' : 'skip';
    return pending + (await this.walkInSlices(reason, isLiveNow, onSlice));
  }

  /**
   * Make room under `maxTenants`, evicting tenants unused within
   * `protectionWindow`: 0, else ms until the oldest protected one leaves its
   * window (1000 when all are leased).
   */
  makeRoom(protectionWindow = this.limits.protectionWindow): number {
    const {maxTenants} = this.limits;
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

  private evictNow(scope: ModelScope, reason: EvictionReason): TenantEviction {
    const {tenantId, trackedModels, dataSources} = scope;
    this.clearPending(tenantId);
    const records = scope.records();
    // Evict while the records are still indexed: evicting a named model then
    // passes over the children the registry knows, and this tenant's own
    // anonymous referrers are told from outside ones.
    const {recordOf} = this.scopes;
    const models = evictModels(tenantId, records, trackedModels, recordOf);
    this.scopes.evict(scope, records);
    for (const dataSource of dataSources) {
      evictDataSourceModels(dataSource);
      this.closer.close(dataSource, tenantId);
    }
    const eviction = {
      tenantId,
      reason,
      ...models,
      dataSources: dataSources.size,
    };
    scope.untrackModel();
    dataSources.clear();
    debug('evicted %s (%s): %o', tenantId, reason, eviction);
    this.onEvicted(eviction);
    return eviction;
  }

  /** The first reason asked for stays. */
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
