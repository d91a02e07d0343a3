// Copyright loopback4-tenant-registry contributors. MIT License.

import {DEFAULT_MAX_IDENTIFIER_BYTES} from '../context/tenant-identifier';
import type {TenantLease} from '../context/tenant-lease';
import {DataSourceCloser} from '../datasources/datasource-closer';
import {TenantEvictor, type EvictionDecision} from '../eviction/tenant-evictor';
import {runInSlices} from '../eviction/time-slices';
import {
  collectStats,
  collectTenantInfo,
  type TenantInfoQuery,
} from './collect-stats';

import type {ModelRegistryOptions} from './model-registry-options';
import type {
  AdmissionResult,
  CleanupPassStats,
  EvictionReason,
  ModelRegistryStats,
  TenantEviction,
  TenantRegistryInfo,
} from './registry-stats';
import type {ModelScope} from './model-scope';
import {TenantResources} from './tenant-resources';

/**
 * The tenant-aware model registry: anonymous models per scope (the current
 * tenant, else the global scope), found again by structure; leases that keep
 * a tenant with work in flight from eviction; and eviction that releases
 * everything a tenant owns from juggler.
 *
 * @remarks
 * Each lookup acts in the effective scope (the tenant given, else the current
 * tenant, else `GLOBAL_TENANT`) and never searches another tenant's models. A
 * lookup never creates a tenant registry. Named models keep juggler's
 * behaviour: they are global unless marked with `trackModel`. One verb
 * removes a tenant's footprint: *evict* (`evictTenant`, `evictIdleTenants`,
 * `evictAllTenants`); `cleanupTenant` and `cleanupInactiveTenants` are the
 * seed's names for the same acts.
 *
 * Events: `tenantEvicted` (a {@link TenantEviction}) and `cleanupPass`.
 */
export class ModelRegistry extends TenantResources {
  /** The cap on live tenants. */
  readonly maxTenants: number;
  /** The identifier limit of `defineTenantModel` names, in bytes. */
  readonly maxIdentifierBytes: number;
  private readonly protectionWindow: number;
  private readonly closer: DataSourceCloser;
  private readonly evictor: TenantEvictor;

  constructor(options: ModelRegistryOptions = {}) {
    super(options.clock ?? Date);
    this.maxTenants = options.maxTenants ?? Infinity;
    this.maxIdentifierBytes =
      options.maxIdentifierBytes ?? DEFAULT_MAX_IDENTIFIER_BYTES;
    this.protectionWindow = options.protectionWindow ?? 0;
    this.closer = new DataSourceCloser(options.disconnectTimeout ?? 10000);
    this.evictor = new TenantEvictor(
      this.scopes,
      this.counters,
      this.closer,
      eviction => this.safeEmit('tenantEvicted', eviction),
    );
  }

  /**
   * Admit a tenant and begin a unit of its work (for `runInTenant` to end):
   * touch it when live; else, at `maxTenants`, evict the least recently used
   * tenant that is neither busy nor used within the protection window, and
   * create its scope.
   *
   * @returns The tenant's work count when admitted; else the milliseconds
   * after which room may free up (nothing is created or counted then).
   * @internal
   */
  admitTenant(tenantId: string): TenantLease | number {
    const live = this.scopes.beginWork(tenantId);
    if (live !== undefined) return live;
    const wait = this.evictor.makeRoom(this.maxTenants, this.protectionWindow);
    if (wait > 0) {
      this.recordAdmission('capacity');
      return wait;
    }
    this.counters.admissions.admitted++;
    this.scopes.getOrCreate(tenantId);
    return this.scopes.beginWork(tenantId)!;
  }

  /**
   * Count a tenant refused before reaching the registry.
   *
   * @internal
   */
  recordAdmission(result: AdmissionResult): void {
    this.counters.admissions[result]++;
    if (result !== 'admitted') this.counters.recordRefusal(this.clock.now());
  }

  /**
   * A scope created by the bridge or by tracking, outside admission: room is
   * made when possible, but model building is never refused.
   */
  protected createScope(tenantId: string): ModelScope {
    this.evictor.makeRoom(this.maxTenants, 0);
    return this.scopes.getOrCreate(tenantId);
  }

  /**
   * Evict a tenant: release its anonymous models, tracked named models and
   * tracked DataSources, drop its registry, and emit `tenantEvicted`.
   *
   * @remarks
   * A tenant with work in flight is marked and evicted when its last unit of
   * work ends. The global scope is never evicted.
   *
   * @param tenantId - The tenant.
   * @param reason - Why. @defaultValue `'manual'`
   * @returns What was released, or `undefined` when nothing was evicted now.
   */
  evictTenant(
    tenantId: string,
    reason: EvictionReason = 'manual',
  ): TenantEviction | undefined {
    return this.evictor.evict(tenantId, reason);
  }

  /**
   * Evict every tenant unused for longer than `maxIdleTime`, except busy
   * ones.
   *
   * @param maxIdleTime - Milliseconds.
   * @param reason - @defaultValue `'idle'`
   * @returns How many were evicted.
   */
  evictIdleTenants(
    maxIdleTime: number,
    reason: EvictionReason = 'idle',
  ): number {
    const cutoff = this.clock.now() - maxIdleTime;
    // Least recently used first: the first tenant used after the cutoff ends
    // the walk, so it costs O(evicted + busy), not O(tenants).
    return this.evictWhere(reason, registry =>
      registry.lastAccessed < cutoff ? 'evict' : 'stop',
    ).evicted;
  }

  /**
   * Evict every tenant that has no work in flight, in one go.
   *
   * @remarks
   * Blocking: it holds the event loop for the whole walk (about 12 us per
   * tenant with a model: 0.25 s at 20,000 tenants). Prefer
   * {@link ModelRegistry.evictAllTenantsInSlices} for more than a few
   * hundred tenants. With reason `external` (a fleet gap: anything held may
   * be stale) a busy tenant is marked and evicted once its work ends.
   *
   * @param reason - @defaultValue `'manual'`
   * @returns How many were evicted now.
   */
  evictAllTenants(reason: EvictionReason = 'manual'): number {
    const pending = this.evictor.runPending();
    const deferLeased = reason === 'external';
    return (
      pending +
      this.evictWhere(reason, () => 'evict', Infinity, deferLeased).evicted
    );
  }

  /**
   * Evict every tenant that has no work in flight, in slices of a few
   * milliseconds that yield the event loop between them (the first slice
   * runs before this returns).
   *
   * @remarks
   * It evicts the tenants live when it was called: each when the walk
   * reaches it, unless it has work in flight then (with reason `external`,
   * as for `evictAllTenants`, such a tenant goes once its work ends). A
   * tenant used meanwhile is still evicted (its state predates the call); a
   * tenant admitted meanwhile is left alone, as its scope was built after
   * the call.
   *
   * @param reason - @defaultValue `'manual'`
   * @returns How many were evicted, not counting deferred ones.
   */
  async evictAllTenantsInSlices(
    reason: EvictionReason = 'manual',
  ): Promise<number> {
    const pending = this.evictor.runPending();
    const deferLeased = reason === 'external';
    const all = this.evictInSlices(reason, this.tenantsLiveNow(), {
      deferLeased,
    });
    return pending + (await all);
  }

  /** A walk's decision: evict the tenants live now, not later ones. @internal */
  tenantsLiveNow(): (registry: ModelScope) => EvictionDecision {
    const newest = this.scopes.lastSerial;
    return registry => (registry.serial <= newest ? 'evict' : 'skip');
  }

  /**
   * The seed's name for `evictTenant(tenantId, 'manual')`, waiting for the
   * tenant's DataSources to disconnect.
   *
   * @param tenantId - The tenant.
   * @returns Whether it was evicted (`false` when unknown or busy).
   */
  async cleanupTenant(tenantId: string): Promise<boolean> {
    const eviction = this.evictTenant(tenantId, 'manual');
    await this.closer.drain();
    return eviction !== undefined;
  }

  /** The seed's name for {@link ModelRegistry.evictIdleTenants}. */
  cleanupInactiveTenants(maxIdleTime: number): number {
    return this.evictIdleTenants(maxIdleTime);
  }

  /**
   * One least-recently-used walk, evicting what `decide` picks (busy tenants
   * are skipped, or with `deferLeased` marked to go once their work ends),
   * until `deadline` (`performance.now()`) passes.
   *
   * @internal
   */
  evictWhere(
    reason: EvictionReason,
    decide: (registry: ModelScope) => EvictionDecision,
    deadline?: number,
    deferLeased?: boolean,
  ) {
    return this.evictor.walk(reason, decide, deadline, deferLeased);
  }

  /**
   * {@link ModelRegistry.evictWhere} in slices that yield the event loop;
   * `onSlice` is told each slice's milliseconds, `deferLeased` as for the
   * walk. A number when done in the first slice (synchronously), else a
   * promise.
   *
   * @internal
   */
  evictInSlices(
    reason: EvictionReason,
    decide: (registry: ModelScope) => EvictionDecision,
    {
      onSlice,
      deferLeased,
    }: {onSlice?(ms: number): void; deferLeased?: boolean} = {},
  ): number | Promise<number> {
    let evicted = 0;
    const rest = runInSlices(deadline => {
      const walk = this.evictWhere(reason, decide, deadline, deferLeased);
      evicted += walk.evicted;
      return walk.isComplete;
    }, onSlice);
    return rest === undefined ? evicted : rest.then(() => evicted);
  }

  /**
   * Evict the tenants whose eviction waited for their work to end.
   *
   * @internal
   */
  runPendingEvictions(): number {
    return this.evictor.runPending();
  }

  /** Whether a tenant has a live registry here. */
  hasTenant(tenantId: string): boolean {
    return this.scopes.has(tenantId);
  }

  /** Resolves when every DataSource disconnect started so far has settled. */
  drain(): Promise<void> {
    return this.closer.drain();
  }

  /** How many tenant registries are live. */
  get tenantCount(): number {
    return this.scopes.tenantCount;
  }

  /** Live tenant ids, least recently used first. */
  tenantIds(): string[] {
    return [...this.scopes.tenantRegistries()].map(r => r.tenantId);
  }

  /**
   * Record the outcome of a cleanup pass (by the `RegistryManager`).
   *
   * @internal
   */
  recordCleanupPass(pass: CleanupPassStats): void {
    this.counters.lastCleanup = pass;
    if (pass.error !== undefined) this.counters.cleanupFailures++;
    this.safeEmit('cleanupPass', pass);
  }

  /** The registry's counters (see {@link ModelRegistryStats}). */
  getStats(): ModelRegistryStats {
    return collectStats({
      scopes: this.scopes,
      counters: this.counters,
      pendingEvictions: this.evictor.pendingCount,
      disconnectFailures: this.closer.failures,
      maxTenants: this.maxTenants,
      now: this.clock.now(),
    });
  }

  /**
   * One line per live tenant registry, least recently used first; or, with
   * a query, the first `limit` lines in its order, at a cost of O(limit)
   * (the dashboard's top tenants).
   *
   * @param query - `orderBy` (`'lastAccessed'` or `'models'`, the most
   * models first) and `limit`.
   */
  getTenantRegistryInfo(query?: TenantInfoQuery): TenantRegistryInfo[] {
    return collectTenantInfo(this.scopes, query);
  }
}
