// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {EventEmitter} from 'node:events';
import {
  releaseDataSourceModels,
  releaseModels,
} from '../bridge/footprint-release';
import {GLOBAL_TENANT, getEffectiveScope} from '../context/tenant-context';
import {validateTenantId} from '../resolution/tenant-id';
import {DataSourceCloser} from './datasource-closer';
import {
  resolveTypeNameIn,
  type DataSourceLike,
  type ModelBuilderLike,
  type ModelClassLike,
  type ModelDefinitionLike,
} from './juggler-shapes';
import {addReferrer, type ModelRecord} from './model-record';
import type {
  CleanupPassStats,
  EvictionReason,
  ModelRegistryStats,
  TenantEviction,
  TenantRegistryInfo,
} from './registry-stats';
import {computeStructureKey} from './structure-key';
import {TenantLeases} from './tenant-leases';
import {TenantRegistry} from './tenant-registry';

const debug = debugFactory('loopback:tenant-registry:registry');

/** A source of time in milliseconds; inject one to test idle logic. */
export interface Clock {
  now(): number;
}

/** Options of a {@link ModelRegistry}. */
export interface ModelRegistryOptions {
  /** Time source for `lastAccessed`. @defaultValue `Date` */
  clock?: Clock;
  /**
   * How long a tenant-owned DataSource may take to disconnect on eviction,
   * in milliseconds, before it is counted as failed. @defaultValue 10000
   */
  disconnectTimeout?: number;
}

/** Events emitted by a {@link ModelRegistry}. */
export interface ModelRegistryEvents {
  /** A tenant's footprint was released. */
  tenantEvicted: [eviction: TenantEviction];
  /** A cleanup pass finished (see `RegistryManager`). */
  cleanupPass: [pass: CleanupPassStats];
}

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
 * behaviour: they are global unless marked with `trackModel`.
 */
export class ModelRegistry extends EventEmitter<ModelRegistryEvents> {
  /** The global scope; never evicted. */
  private readonly globalScope: TenantRegistry;
  /** Tenant scopes, least recently used first. */
  private readonly tenants = new Map<string, TenantRegistry>();
  private readonly recordsByModel = new WeakMap<object, ModelRecord>();
  private readonly leases = new TenantLeases();
  private readonly suspended = new Set<string>();
  private readonly closer: DataSourceCloser;
  private readonly clock: Clock;
  private readonly counters = {
    hits: 0,
    misses: 0,
    modelsCreated: 0,
    bridgeFallbacks: 0,
    listenerFailures: 0,
    cleanupFailures: 0,
  };
  private readonly evictions: Record<EvictionReason, number> = {
    idle: 0,
    capacity: 0,
    memory: 0,
    manual: 0,
    external: 0,
  };
  private lastCleanup: CleanupPassStats | undefined;

  constructor(options: ModelRegistryOptions = {}) {
    super();
    this.clock = options.clock ?? Date;
    this.closer = new DataSourceCloser(options.disconnectTimeout ?? 10000);
    this.globalScope = new TenantRegistry(GLOBAL_TENANT, this.now(), false);
  }

  // ---- lookup and registration -------------------------------------------

  /**
   * Register a model. An anonymous model (`settings.anonymous`) goes to the
   * scope's registry under its structure key; a named model to the global
   * scope, by name.
   *
   * @param model - A juggler model class.
   * @param properties - The definition it was built from; defaults to the
   * model's raw properties.
   * @param tenantId - The scope; defaults to the effective scope.
   */
  registerModel(
    modelClass: object,
    properties?: object,
    tenantId?: string,
  ): void {
    const model = modelClass as ModelClassLike;
    const builder = model.modelBuilder;
    if (builder === undefined) {
      throw new TypeError(
        `Model ${model.modelName} has no modelBuilder: register juggler models only`,
      );
    }
    const isAnonymous = model.settings?.anonymous === true;
    const scope = isAnonymous ? this.scopeOf(tenantId) : GLOBAL_TENANT;
    const key = computeStructureKey(
      properties ?? model.definition?.rawProperties ?? {},
      {
        resolveTypeName: name => resolveTypeNameIn(builder, name),
        settings: model.settings,
      },
    );
    this.registerAnonymous(builder, key, scope, model);
  }

  /**
   * Find a model with the same structure in the effective scope.
   *
   * @param properties - A property definition, as given to juggler.
   * @param builder - The builder to look in; all the scope's builders when
   * omitted.
   * @param tenantId - The scope; defaults to the effective scope.
   * @param strict - The anonymous model's `strict` setting. @defaultValue false
   * @returns The model class, or `undefined`.
   */
  findModelByStructure(
    properties: object,
    builder?: object,
    tenantId?: string,
    strict: unknown = false,
  ): ModelClassLike | undefined {
    const scope = this.scopeOf(tenantId);
    const registry = this.registryOf(scope);
    if (registry === undefined) return undefined;
    const candidates = builder
      ? [builder as ModelBuilderLike]
      : registry.builders();
    for (const candidate of candidates) {
      const key = computeStructureKey(properties, {
        resolveTypeName: name => resolveTypeNameIn(candidate, name),
        settings: {strict},
      });
      const model = this.lookupAnonymous(candidate, key, scope);
      if (model !== undefined) return model;
    }
    return undefined;
  }

  /**
   * The model last registered under `name` in the effective scope, then in
   * the global scope (where named models live).
   *
   * @param name - A model name.
   * @param tenantId - The scope; defaults to the effective scope.
   */
  findModelByName(name: string, tenantId?: string): ModelClassLike | undefined {
    const registry = this.registryOf(this.scopeOf(tenantId));
    return (
      registry?.findModelByName(name) ?? this.globalScope.findModelByName(name)
    );
  }

  /**
   * The bridge's lookup: a model for `key` in `builder`, in `scope` only.
   *
   * @internal
   */
  lookupAnonymous(
    builder: ModelBuilderLike,
    key: string,
    scope: string,
  ): ModelClassLike | undefined {
    const registry = this.registryOf(scope);
    const record = registry?.findModelByStructure(builder, key);
    if (record === undefined) {
      this.counters.misses++;
      return undefined;
    }
    this.counters.hits++;
    this.touch(registry!);
    return record.model;
  }

  /**
   * The bridge's registration of a model juggler just built.
   *
   * @internal
   */
  registerAnonymous(
    builder: ModelBuilderLike,
    key: string,
    scope: string,
    model: ModelClassLike,
  ): void {
    const registry = this.registryOf(scope) ?? this.createScope(scope);
    const record: ModelRecord = {
      model,
      name: model.modelName,
      builder,
      scope,
      key,
      referrers: undefined,
      pruneReferrersAt: 8,
    };
    registry.registerModel(record);
    this.recordsByModel.set(model, record);
    this.counters.modelsCreated++;
    this.touch(registry);
  }

  /**
   * Note which tenant-scoped models a freshly built definition uses, so that
   * eviction keeps the ones a live model outside the tenant still needs.
   *
   * @internal
   */
  noteDefinitionBuilt(definition: ModelDefinitionLike): void {
    const properties = definition.properties;
    if (!properties) return;
    for (const name in properties) {
      let type = properties[name]?.type;
      if (Array.isArray(type)) type = type[0];
      if (typeof type !== 'function') continue;
      const record = this.recordsByModel.get(type);
      if (record === undefined || record.scope === GLOBAL_TENANT) continue;
      addReferrer(record, definition);
    }
  }

  /**
   * Count a failure inside the bridge (juggler's own path was used instead).
   *
   * @internal
   */
  recordBridgeFallback(error: unknown): void {
    this.counters.bridgeFallbacks++;
    debug('bridge fell back to juggler: %s', error);
  }

  // ---- tenant-owned resources ---------------------------------------------

  /**
   * Mark a named model as owned by a tenant: evicting the tenant removes it
   * from its builder and connector, with its anonymous children.
   *
   * @param tenantId - The owning tenant.
   * @param model - A juggler model class (for LB4, the repository's
   * `modelClass`).
   */
  trackModel(tenantId: string, model: object): void {
    const scope = validateTenantId(tenantId);
    const registry = this.registryOf(scope) ?? this.createScope(scope);
    registry.trackedModels.add(model as ModelClassLike);
    this.touch(registry);
  }

  /**
   * Mark a DataSource as owned by a tenant: evicting the tenant drops its
   * models and disconnects it (bounded by `disconnectTimeout`; a failure is
   * counted, never thrown).
   *
   * @param tenantId - The owning tenant.
   * @param dataSource - A juggler DataSource.
   */
  trackDataSource(tenantId: string, dataSource: object): void {
    const scope = validateTenantId(tenantId);
    const registry = this.registryOf(scope) ?? this.createScope(scope);
    registry.dataSources.add(dataSource as DataSourceLike);
    this.touch(registry);
  }

  // ---- leases ---------------------------------------------------------------

  /**
   * Take a lease on a tenant: it is not evicted until every lease is
   * released. The middleware holds one for each request.
   *
   * @param tenantId - A valid tenant id.
   */
  acquire(tenantId: string): void {
    this.leases.acquire(tenantId);
    const registry = this.tenants.get(tenantId);
    if (registry !== undefined) this.touch(registry);
  }

  /**
   * Release a lease. When the last one goes and the tenant was marked for
   * eviction meanwhile, it is evicted now.
   *
   * @param tenantId - A tenant id passed to `acquire`.
   */
  release(tenantId: string): void {
    if (!this.leases.release(tenantId)) return;
    const registry = this.tenants.get(tenantId);
    if (registry !== undefined) this.touch(registry);
    const reason = this.leases.pendingReason(tenantId);
    if (reason !== undefined) this.evictTenant(tenantId, reason);
  }

  /**
   * Whether a tenant has a lease or `runInTenant` work in flight.
   *
   * @param tenantId - A tenant id.
   */
  isLeased(tenantId: string): boolean {
    return this.leases.isLeased(tenantId);
  }

  // ---- eviction -------------------------------------------------------------

  /**
   * Evict a tenant now: release its anonymous models, tracked named models
   * and tracked DataSources, drop its registry, and emit `tenantEvicted`.
   *
   * @remarks
   * A leased tenant is not evicted: it is marked and evicted when its last
   * lease is released (or by the next cleanup pass once its `runInTenant`
   * work is done). The global scope is never evicted.
   *
   * @param tenantId - The tenant.
   * @param reason - Why. @defaultValue `'manual'`
   * @returns What was released, or `undefined` when nothing was evicted now.
   */
  evictTenant(
    tenantId: string,
    reason: EvictionReason = 'manual',
  ): TenantEviction | undefined {
    const registry = this.tenants.get(tenantId);
    if (registry === undefined) {
      this.leases.clearPending(tenantId);
      return undefined;
    }
    if (this.isLeased(tenantId)) {
      this.leases.markPending(tenantId, reason);
      return undefined;
    }
    return this.evictNow(registry, reason);
  }

  /**
   * Evict one tenant now (reason `manual`) and wait for its DataSources to
   * disconnect.
   *
   * @param tenantId - The tenant.
   * @returns Whether it was evicted (`false` when unknown or leased).
   */
  async cleanupTenant(tenantId: string): Promise<boolean> {
    const eviction = this.evictTenant(tenantId, 'manual');
    await this.closer.drain();
    return eviction !== undefined;
  }

  /**
   * Evict every tenant not used for longer than `maxIdleTime`, except leased
   * ones.
   *
   * @param maxIdleTime - Milliseconds.
   * @param reason - @defaultValue `'idle'`
   * @returns How many were evicted.
   */
  cleanupInactiveTenants(
    maxIdleTime: number,
    reason: EvictionReason = 'idle',
  ): number {
    const cutoff = this.now() - maxIdleTime;
    let evicted = 0;
    // Least recently used first: the first tenant used after the cutoff ends
    // the pass, so a pass costs O(evicted + leased), not O(tenants).
    for (const [tenantId, registry] of this.tenants) {
      if (registry.lastAccessed >= cutoff) break;
      if (this.isLeased(tenantId)) continue;
      this.evictNow(registry, reason);
      evicted++;
    }
    return evicted;
  }

  /**
   * Evict least recently used tenants, skipping leased ones, while
   * `shouldContinue` says so.
   *
   * @param reason - Recorded for each eviction.
   * @param shouldContinue - Asked before each eviction with the evictions so
   * far.
   * @returns How many were evicted.
   */
  evictLeastRecentlyUsed(
    reason: EvictionReason,
    shouldContinue: (evicted: readonly TenantEviction[]) => boolean,
  ): number {
    const evicted: TenantEviction[] = [];
    for (const [tenantId, registry] of this.tenants) {
      if (!shouldContinue(evicted)) break;
      if (this.isLeased(tenantId)) continue;
      evicted.push(this.evictNow(registry, reason));
    }
    return evicted.length;
  }

  /**
   * Evict the tenants marked while leased whose work is now done.
   *
   * @returns How many were evicted.
   */
  runPendingEvictions(): number {
    let evicted = 0;
    for (const [tenantId, reason] of this.leases.pendingEvictions()) {
      if (this.evictTenant(tenantId, reason) !== undefined) evicted++;
    }
    return evicted;
  }

  /**
   * Suspend a tenant in this process: evict it (reason `external`) and mark
   * it so that its requests are refused with 403 `TENANT_SUSPENDED`. Use
   * `RegistryManager.suspendTenant` to suspend it on every instance.
   *
   * @param tenantId - A valid tenant id.
   */
  suspendTenant(tenantId: string): void {
    this.suspended.add(validateTenantId(tenantId));
    this.evictTenant(tenantId, 'external');
  }

  /**
   * Accept a suspended tenant's requests again, in this process.
   *
   * @param tenantId - A tenant id.
   */
  resumeTenant(tenantId: string): void {
    this.suspended.delete(tenantId);
  }

  /**
   * Whether a tenant is suspended here.
   *
   * @param tenantId - A tenant id.
   */
  isSuspended(tenantId: string): boolean {
    return this.suspended.has(tenantId);
  }

  /** Resolves when every DataSource disconnect started so far has settled. */
  drain(): Promise<void> {
    return this.closer.drain();
  }

  /** How many tenant registries are live. */
  get tenantCount(): number {
    return this.tenants.size;
  }

  /** Live tenant ids, least recently used first. */
  tenantIds(): string[] {
    return [...this.tenants.keys()];
  }

  private evictNow(
    registry: TenantRegistry,
    reason: EvictionReason,
  ): TenantEviction {
    const tenantId = registry.tenantId;
    this.leases.clearPending(tenantId);
    this.tenants.delete(tenantId);
    const records = registry.records();
    const released = releaseModels(
      {tenantId, records, trackedModels: registry.trackedModels},
      this.recordOf,
    );
    // The registry itself is dropped: only the reverse index needs cleaning.
    for (const record of records) this.recordsByModel.delete(record.model);
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
    registry.trackedModels.clear();
    registry.dataSources.clear();
    this.evictions[reason]++;
    debug('evicted %s (%s): %o', tenantId, reason, eviction);
    this.notifyEvicted(eviction);
    return eviction;
  }

  /**
   * Record the outcome of a cleanup pass (by the `RegistryManager`).
   *
   * @internal
   */
  recordCleanupPass(pass: CleanupPassStats): void {
    this.lastCleanup = pass;
    if (pass.error !== undefined) this.counters.cleanupFailures++;
    if (this.listenerCount('cleanupPass') > 0) {
      try {
        this.emit('cleanupPass', pass);
      } catch (error: unknown) {
        this.counters.listenerFailures++;
        debug('a cleanupPass listener threw: %s', error);
      }
    }
  }

  // ---- stats ----------------------------------------------------------------

  /** The registry's counters (see {@link ModelRegistryStats}). */
  getStats(): ModelRegistryStats {
    let totalTenantModels = 0;
    for (const registry of this.tenants.values()) {
      totalTenantModels += registry.size;
    }
    let leasedTenants = 0;
    for (const tenantId of this.tenants.keys()) {
      if (this.isLeased(tenantId)) leasedTenants++;
    }
    return {
      totalModels: this.globalScope.size + totalTenantModels,
      globalModels: this.globalScope.size,
      totalTenantModels,
      tenantRegistries: this.tenants.size,
      reuseCount: this.counters.hits,
      hits: this.counters.hits,
      misses: this.counters.misses,
      modelsCreated: this.counters.modelsCreated,
      leasedTenants,
      pendingEvictions: this.leases.pendingCount,
      evictions: {...this.evictions},
      bridgeFallbacks: this.counters.bridgeFallbacks,
      disconnectFailures: this.closer.failures,
      listenerFailures: this.counters.listenerFailures,
      lastCleanup: this.lastCleanup && {...this.lastCleanup},
      cleanupFailures: this.counters.cleanupFailures,
    };
  }

  /** One line per live tenant registry, least recently used first. */
  getTenantRegistryInfo(): TenantRegistryInfo[] {
    return [...this.tenants.values()].map(registry => ({
      ...registry.getStats(),
      namedModels: registry.trackedModels.size,
      dataSources: registry.dataSources.size,
      isLeased: this.isLeased(registry.tenantId),
    }));
  }

  // ---- internals ------------------------------------------------------------

  private readonly recordOf = (model: unknown): ModelRecord | undefined =>
    typeof model === 'function' ? this.recordsByModel.get(model) : undefined;

  private scopeOf(tenantId: string | undefined): string {
    return tenantId ?? getEffectiveScope();
  }

  private registryOf(scope: string): TenantRegistry | undefined {
    return scope === GLOBAL_TENANT ? this.globalScope : this.tenants.get(scope);
  }

  private createScope(scope: string): TenantRegistry {
    const registry = new TenantRegistry(scope, this.now(), true);
    this.tenants.set(scope, registry);
    return registry;
  }

  /** Mark a scope as used now and move it to the most recent end. */
  private touch(registry: TenantRegistry): void {
    registry.lastAccessed = this.now();
    if (registry === this.globalScope) return;
    this.tenants.delete(registry.tenantId);
    this.tenants.set(registry.tenantId, registry);
  }

  private now(): number {
    return this.clock.now();
  }

  private notifyEvicted(eviction: TenantEviction): void {
    if (this.listenerCount('tenantEvicted') === 0) return;
    try {
      this.emit('tenantEvicted', eviction);
    } catch (error: unknown) {
      this.counters.listenerFailures++;
      debug('a tenantEvicted listener threw: %s', error);
    }
  }
}
