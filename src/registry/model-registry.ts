// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {EventEmitter} from 'node:events';
import {
  modelTypeOf,
  resolveTypeNameIn,
  type DataSourceLike,
  type ModelBuilderLike,
  type ModelClassLike,
  type ModelDefinitionLike,
} from '../bridge/juggler-shapes';
import {GLOBAL_TENANT, getEffectiveScope} from '../context/tenant-context';
import {tenantIdentifier} from '../context/tenant-identifier';
import {validateTenantId} from '../context/tenant-id';
import {
  acquireLease,
  endLeaseOf,
  isTenantLeased,
  type TenantLease,
} from '../context/tenant-lease';
import {DataSourceCloser} from '../datasources/datasource-closer';
import {TenantEvictor, type EvictionDecision} from '../eviction/tenant-evictor';
import {runInSlices} from '../eviction/time-slices';
import type {Clock} from './clock';
import {addReferrer, type ModelRecord} from './model-record';
import {
  resolveModelRegistryOptions,
  type ModelRegistryOptions,
} from './model-registry-options';
import type {ModelScope} from './model-scope';
import {RegistryCounters} from './registry-counters';
import type {
  AdmissionResult,
  CleanupPassStats,
  EvictionReason,
  ModelRegistryStats,
  TenantEviction,
  TenantRegistryInfo,
} from './registry-stats';
import {computeStructureKey} from './structure-key';
import {defineTenantModel, type ModelDefiningDataSource} from './tenant-models';
import {TenantScopes, type TenantInfoQuery} from './tenant-scopes';

const debug = debugFactory('loopback:tenant-registry:registry');

/** Events emitted by a `ModelRegistry`. */
export interface ModelRegistryEvents {
  /** A tenant was evicted. */
  tenantEvicted: [eviction: TenantEviction];
  /** A cleanup pass finished (see `RegistryManager`). */
  cleanupPass: [pass: CleanupPassStats];
}

/**
 * The tenant-aware model registry: anonymous models per scope (the current
 * tenant, else the global scope), found again by structure; leases that keep
 * a tenant with work in flight from eviction; and eviction, which takes
 * everything a tenant owns out of juggler.
 *
 * @remarks
 * Each lookup acts in the effective scope (the tenant given, else the current
 * tenant, else `GLOBAL_TENANT`) and never searches another tenant's models,
 * nor creates a scope. Named models keep juggler's behaviour: they are global
 * unless marked with `trackModel`. `cleanupTenant` and
 * `cleanupInactiveTenants` are the seed's names of `evictTenant` and
 * `evictIdleTenants`.
 *
 * Events: `tenantEvicted` (a {@link TenantEviction}) and `cleanupPass`.
 */
export class ModelRegistry extends EventEmitter<ModelRegistryEvents> {
  /** The cap on live tenants. */
  readonly maxTenants: number;
  /** The identifier limit of `defineTenantModel` names, in bytes. */
  readonly maxIdentifierBytes: number;
  /** The time source of `lastAccessed` and the stats. @internal */
  readonly clock: Clock;
  private readonly protectionWindow: number;
  private readonly scopes: TenantScopes;
  private readonly counters = new RegistryCounters();
  private readonly closer: DataSourceCloser;
  private readonly evictor: TenantEvictor;

  /**
   * @param options - See {@link ModelRegistryOptions}.
   * @param seams - Internal, for tests: `clock` (default `Date`).
   */
  constructor(options: ModelRegistryOptions = {}, seams: {clock?: Clock} = {}) {
    super();
    const settings = resolveModelRegistryOptions(options);
    this.maxTenants = settings.maxTenants;
    this.maxIdentifierBytes = settings.maxIdentifierBytes;
    this.protectionWindow = settings.protectionWindow;
    this.clock = seams.clock ?? Date;
    this.scopes = new TenantScopes(this.clock);
    this.closer = new DataSourceCloser(settings.disconnectTimeout);
    this.evictor = new TenantEvictor(this.scopes, this.closer, eviction => {
      this.counters.evictions[eviction.reason]++;
      this.safeEmit('tenantEvicted', eviction);
    });
  }

  /**
   * Register a juggler model: an anonymous one (`settings.anonymous`) in the
   * scope (`tenantId`, else the effective scope) under the structure key of
   * `properties` (default: its raw properties), a named one globally.
   */
  registerModel(modelClass: object, properties?: object, tenantId?: string) {
    const model = modelClass as ModelClassLike;
    const builder = model.modelBuilder;
    if (builder === undefined) {
      throw new TypeError(
        `Model ${model.modelName} has no modelBuilder: register juggler models only`,
      );
    }
    const isAnonymous = model.settings?.anonymous === true;
    const key = computeStructureKey(
      properties ?? model.definition?.rawProperties ?? {},
      {
        resolveTypeName: name => resolveTypeNameIn(builder, name),
        settings: model.settings,
      },
    );
    const scopeId = isAnonymous
      ? (tenantId ?? getEffectiveScope())
      : GLOBAL_TENANT;
    this.registerAnonymous(builder, key, scopeId, model);
  }

  /**
   * A model with the same structure and `strict` setting in the scope
   * (`tenantId`, else the effective scope), in `builder` or else any of the
   * scope's builders: one lookup, counted once.
   */
  findModelByStructure(
    properties: object,
    builder?: object,
    tenantId?: string,
    strict: unknown = false,
  ): ModelClassLike | undefined {
    const scope = this.scopes.get(tenantId ?? getEffectiveScope());
    if (scope === undefined) return this.countMiss(undefined);
    const candidates = builder
      ? [builder as ModelBuilderLike]
      : scope.builders();
    for (const candidate of candidates) {
      const key = computeStructureKey(properties, {
        resolveTypeName: name => resolveTypeNameIn(candidate, name),
        settings: {strict},
      });
      const record = scope.findRecord(candidate, key);
      if (record !== undefined) return this.countHit(scope, record.model);
    }
    return this.countMiss(scope);
  }

  /**
   * The model last registered under `name` in the effective scope, then in
   * the global scope (where named models live).
   */
  findModelByName(name: string, tenantId?: string): ModelClassLike | undefined {
    const scope = this.scopes.get(tenantId ?? getEffectiveScope());
    return (
      scope?.findModelByName(name) ?? this.scopes.global.findModelByName(name)
    );
  }

  /** The bridge's lookup: a model for `key` in `builder`, in one scope. @internal */
  lookupAnonymous(
    builder: ModelBuilderLike,
    key: string,
    scopeId: string,
  ): ModelClassLike | undefined {
    const scope = this.scopes.get(scopeId);
    const record = scope?.findRecord(builder, key);
    return record === undefined
      ? this.countMiss(scope)
      : this.countHit(scope!, record.model);
  }

  /** The bridge's registration of a model juggler just built. @internal */
  registerAnonymous(
    builder: ModelBuilderLike,
    key: string,
    scopeId: string,
    model: ModelClassLike,
  ): void {
    const scope = this.scopeFor(scopeId);
    const record: ModelRecord = {
      model,
      name: model.modelName,
      builder,
      scope: scopeId,
      key,
      referrers: undefined,
      pruneReferrersAt: 8,
    };
    scope.registerModel(record);
    this.scopes.index(record);
    this.counters.modelsCreated++;
    this.scopes.touch(scope);
  }

  /** Note the tenant models a built definition uses (see eviction). @internal */
  noteDefinitionBuilt(definition: ModelDefinitionLike): void {
    const properties = definition.properties;
    if (!properties) return;
    for (const name in properties) {
      const record = this.scopes.recordOf(modelTypeOf(properties[name]));
      if (record === undefined || record.scope === GLOBAL_TENANT) continue;
      addReferrer(record, definition);
    }
  }

  /** Count a failure inside the bridge (juggler's own path ran). @internal */
  recordBridgeFallback(error: unknown): void {
    this.counters.bridgeFallbacks++;
    debug('bridge fell back to juggler: %s', error);
  }

  /**
   * Mark a named model (for LB4, a repository's `modelClass`) as owned by a
   * tenant: evicting the tenant removes it and its anonymous children.
   */
  trackModel(tenantId: string, model: object): void {
    const scope = this.scopeFor(validateTenantId(tenantId));
    scope.trackModel(model as ModelClassLike);
    this.scopes.touch(scope);
  }

  /**
   * Mark a DataSource as owned by a tenant: evicting the tenant drops its
   * models and disconnects it (a failure is counted, never thrown).
   */
  trackDataSource(tenantId: string, dataSource: object): void {
    const scope = this.scopeFor(validateTenantId(tenantId));
    scope.dataSources.add(dataSource as DataSourceLike);
    this.scopes.touch(scope);
  }

  /**
   * The current tenant's own model of `baseName`, named by
   * {@link ModelRegistry.tenantModelName} and tracked for eviction: the same
   * class while the definition is unchanged, else a new one (the old one is
   * evicted). Throws `TENANT_REQUIRED` without a current tenant, and
   * `TENANT_IDENTIFIER_TOO_LONG` when a name must be shortened and
   * `baseName` is over `maxIdentifierBytes - 29` bytes.
   *
   * @example
   * ```ts
   * const Order = registry.defineTenantModel<juggler.PersistedModelClass>(
   *   ds, 'Order', {customer: String, address: {street: String}});
   * ```
   */
  defineTenantModel<M = ModelClassLike>(
    dataSource: object,
    baseName: string,
    properties: object,
    settings?: object,
  ): M {
    return defineTenantModel(
      dataSource as ModelDefiningDataSource,
      {baseName, properties, settings},
      tenantId => this.scopeFor(tenantId),
      this.scopes.recordOf,
      this.maxIdentifierBytes,
    ) as M;
  }

  /**
   * The name `defineTenantModel` gives `baseName` for a tenant, within
   * `maxBytes` (default 63): `tenantIdentifier`'s injective rule.
   */
  static tenantModelName(
    baseName: string,
    tenantId: string,
    options: {maxBytes?: number} = {},
  ): string {
    return tenantIdentifier(baseName, tenantId, options);
  }

  /** Take a lease on a tenant (shared with `runInTenant`): no eviction. */
  acquire(tenantId: string): void {
    acquireLease(tenantId);
    const scope = this.scopes.get(tenantId);
    if (scope !== undefined) this.scopes.touch(scope);
  }

  /** End a lease; an eviction that waited for the last one runs now. */
  release(tenantId: string): void {
    endLeaseOf(tenantId);
  }

  /** Whether a tenant has a lease or `runInTenant` work in flight. */
  isLeased(tenantId: string): boolean {
    return isTenantLeased(tenantId);
  }

  /**
   * Admit a tenant and take a lease on it: at `maxTenants`, first evict the
   * least recently used tenant neither leased nor inside the protection
   * window. Returns the lease, or the milliseconds after which room may
   * free up (nothing was created).
   *
   * @internal
   */
  admitTenant(tenantId: string): TenantLease | number {
    const live = this.scopes.lease(tenantId);
    if (live !== undefined) return live;
    const wait = this.evictor.makeRoom(this.maxTenants, this.protectionWindow);
    if (wait > 0) {
      this.recordAdmission('capacity');
      return wait;
    }
    this.recordAdmission('admitted');
    this.scopes.getOrCreate(tenantId);
    return this.scopes.lease(tenantId)!;
  }

  /** Count an admission outcome. @internal */
  recordAdmission(result: AdmissionResult): void {
    this.counters.recordAdmission(result, this.clock.now());
  }

  /**
   * Evict a tenant: its anonymous and tracked models and DataSources leave
   * juggler, its scope goes, `tenantEvicted` is emitted. A leased tenant goes
   * when its last lease ends (`undefined` is returned now).
   */
  evictTenant(
    tenantId: string,
    reason: EvictionReason = 'manual',
  ): TenantEviction | undefined {
    return this.evictor.evict(tenantId, reason);
  }

  /** Evict every tenant without a lease unused for over `maxIdleTime` ms. */
  evictIdleTenants(maxIdleTime: number, reason: EvictionReason = 'idle') {
    const cutoff = this.clock.now() - maxIdleTime;
    // Least recently used first: the first tenant used after the cutoff ends
    // the walk, so it costs O(evicted + leased), not O(tenants).
    return this.evictWhere(reason, scope =>
      scope.lastAccessed < cutoff ? 'evict' : 'stop',
    ).evicted;
  }

  /**
   * Evict every tenant without a lease, holding the event loop (prefer
   * {@link ModelRegistry.evictAllTenantsInSlices} beyond a few hundred). With
   * reason `external` (a fleet gap: all may be stale) leased tenants go once
   * their last lease ends. Returns how many were evicted now.
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
   * {@link ModelRegistry.evictAllTenants} in slices that yield the event
   * loop, for the tenants live when called (a tenant admitted meanwhile
   * stays).
   */
  async evictAllTenantsInSlices(reason: EvictionReason = 'manual') {
    const pending = this.evictor.runPending();
    const deferLeased = reason === 'external';
    const all = this.evictInSlices(reason, this.tenantsLiveNow(), {
      deferLeased,
    });
    return pending + (await all);
  }

  /** The seed's name of `evictTenant(tenantId)`, waiting for disconnects. */
  async cleanupTenant(tenantId: string): Promise<boolean> {
    const eviction = this.evictTenant(tenantId, 'manual');
    await this.closer.drain();
    return eviction !== undefined;
  }

  /** The seed's name of {@link ModelRegistry.evictIdleTenants}. */
  cleanupInactiveTenants(maxIdleTime: number): number {
    return this.evictIdleTenants(maxIdleTime);
  }

  /** One walk of `TenantEvictor.walk`. @internal */
  evictWhere(
    reason: EvictionReason,
    decide: (scope: ModelScope) => EvictionDecision,
    deadline?: number,
    deferLeased?: boolean,
  ) {
    return this.evictor.walk(reason, decide, deadline, deferLeased);
  }

  /** {@link ModelRegistry.evictWhere} in slices. @internal */
  async evictInSlices(
    reason: EvictionReason,
    decide: (scope: ModelScope) => EvictionDecision,
    options: {onSlice?(ms: number): void; deferLeased?: boolean} = {},
  ): Promise<number> {
    let evicted = 0;
    await runInSlices(deadline => {
      const walk = this.evictWhere(
        reason,
        decide,
        deadline,
        options.deferLeased,
      );
      evicted += walk.evicted;
      return walk.isComplete;
    }, options.onSlice);
    return evicted;
  }

  /** A walk's decision: the tenants live now, not those created later. @internal */
  tenantsLiveNow(): (scope: ModelScope) => EvictionDecision {
    const newest = this.scopes.lastSerial;
    return scope => (scope.serial <= newest ? 'evict' : 'skip');
  }

  /** Evict the tenants whose eviction waited for their leases. @internal */
  runPendingEvictions(): number {
    return this.evictor.runPending();
  }

  /** Whether a tenant has a live scope. */
  hasTenant(tenantId: string): boolean {
    return this.scopes.has(tenantId);
  }

  /** Resolves when every DataSource disconnect started so far has settled. */
  drain(): Promise<void> {
    return this.closer.drain();
  }

  /** How many tenant scopes are live. */
  get tenantCount(): number {
    return this.scopes.tenantCount;
  }

  /** Live tenant ids, least recently used first. */
  tenantIds(): string[] {
    return [...this.scopes.tenantScopes()].map(scope => scope.tenantId);
  }

  /** Record a cleanup pass (by the `RegistryManager`). @internal */
  recordCleanupPass(pass: CleanupPassStats): void {
    this.counters.lastCleanup = pass;
    if (pass.error !== undefined) this.counters.cleanupFailures++;
    this.safeEmit('cleanupPass', pass);
  }

  /** The registry's counters (see {@link ModelRegistryStats}). */
  getStats(): ModelRegistryStats {
    return this.counters.snapshot(this.scopes, {
      pendingEvictions: this.evictor.pendingCount,
      disconnectFailures: this.closer.failures,
      maxTenants: this.maxTenants,
    });
  }

  /** One line per live tenant scope, as `query` orders and limits them. */
  getTenantRegistryInfo(query?: TenantInfoQuery): TenantRegistryInfo[] {
    return this.scopes.info(query);
  }

  /** A scope, created when missing: room is made, never refused. */
  private scopeFor(scopeId: string): ModelScope {
    const existing = this.scopes.get(scopeId);
    if (existing !== undefined) return existing;
    this.evictor.makeRoom(this.maxTenants, 0);
    return this.scopes.getOrCreate(scopeId);
  }

  private countHit(scope: ModelScope, model: ModelClassLike): ModelClassLike {
    this.counters.hits++;
    scope.hits++;
    this.scopes.touch(scope);
    return model;
  }

  private countMiss(scope: ModelScope | undefined): undefined {
    this.counters.misses++;
    if (scope !== undefined) scope.misses++;
    return undefined;
  }

  private safeEmit<E extends keyof ModelRegistryEvents>(
    event: E,
    ...args: ModelRegistryEvents[E]
  ): void {
    if (this.listenerCount(event) === 0) return;
    try {
      (this.emit as (event: E, ...args: ModelRegistryEvents[E]) => boolean)(
        event,
        ...args,
      );
    } catch (error: unknown) {
      this.counters.listenerFailures++;
      debug('a %s listener threw: %s', event, error);
    }
  }
}
