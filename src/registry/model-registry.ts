// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {EventEmitter} from 'node:events';
import * as juggler from '../bridge/juggler-shapes';
import {GLOBAL_TENANT, getEffectiveScope} from '../context/tenant-context';
import {tenantIdentifier} from '../context/tenant-identifier';
import * as leases from '../context/tenant-lease';
import {DataSourceCloser} from '../datasources/datasource-closer';
import {TenantEvictor, usedBefore} from '../eviction/tenant-evictor';
import {DEFAULT_TENANT_REGISTRY_OPTIONS as DEFAULTS} from '../options/resolve-options';
import type {ModelRegistryOptions} from './model-registry-options';
import {addReferrers, type ModelRecord} from './model-scope';
import {
  RegistryCounters,
  type AdmissionResult,
  type CleanupPassStats,
  type EvictionReason,
  type ModelRegistryEvents as Events,
  type ModelRegistryStats,
  type TenantRegistryInfo,
} from './registry-stats';
import {structureKeyIn} from './structure-key';
import {defineTenantModel} from './tenant-models';
import {TenantScopes, type Clock, type TenantInfoQuery} from './tenant-scopes';

type Builder = juggler.ModelBuilderLike;
type ModelClassLike = juggler.ModelClassLike;

const debug = debugFactory('loopback:tenant-registry:registry');

/**
 * The tenant-aware model registry: anonymous models per scope, found again
 * by structure; leases; eviction, which takes a tenant out of juggler. A
 * lookup acts in one scope (the tenant given, else the current tenant, else
 * `GLOBAL_TENANT`): it never searches another tenant's models, nor creates a
 * scope. Named models stay global unless marked with `trackModel`.
 *
 * @example
 * ```ts
 * const registry = await app.get(TenantRegistryBindings.REGISTRY);
 * const Order = runInTenant('acme', () =>
 *   registry.defineTenantModel(ds, 'Order', {address: {street: String}}),
 * );
 * const Address = registry.findModelByStructure({street: String}, undefined, 'acme');
 * const {tenantScopes, hits, misses} = registry.getStats();
 * ```
 */
export class ModelRegistry extends EventEmitter<Events> {
  /** The cap on live tenants. */
  readonly maxTenants: number;
  /** The identifier limit of `defineTenantModel` names, in bytes. */
  readonly maxIdentifierBytes: number;
  /** The clock of leases and idle times (a test seam). @internal */
  readonly clock: Clock;
  /** Takes tenants out of juggler. @internal */
  readonly evictor: TenantEvictor;
  private readonly scopes: TenantScopes;
  private readonly counters = new RegistryCounters();
  private readonly closer: DataSourceCloser;

  /** @param seams - Internal, for tests: `clock` (default `Date`). */
  constructor(options: ModelRegistryOptions = {}, seams: {clock?: Clock} = {}) {
    super();
    const {
      maxTenants = DEFAULTS.maxTenants,
      maxIdentifierBytes = DEFAULTS.maxIdentifierBytes,
      protectionWindow = DEFAULTS.protectionWindow,
      disconnectTimeout = DEFAULTS.disconnectTimeout,
    } = options;
    this.maxTenants = maxTenants;
    this.maxIdentifierBytes = maxIdentifierBytes;
    this.clock = seams.clock ?? Date;
    // A scope created outside admission makes room, never refuses.
    this.scopes = new TenantScopes(this.clock, () => this.evictor.makeRoom(0));
    this.closer = new DataSourceCloser(disconnectTimeout);
    const limits = {maxTenants, protectionWindow};
    this.evictor = new TenantEvictor(this.scopes, this.closer, limits, e => {
      this.counters.evictions[e.reason]++;
      this.safeEmit('tenantEvicted', e);
    });
  }

  /** Register a juggler model: anonymous in the scope, named globally. */
  registerModel(modelClass: object, properties?: object, tenantId?: string) {
    const model = modelClass as ModelClassLike;
    const builder = model.modelBuilder;
    if (builder === undefined) {
      throw new TypeError(
        `Model ${model.modelName} has no modelBuilder: register juggler models only`,
      );
    }
    const definition = properties ?? model.definition?.rawProperties ?? {};
    const key = structureKeyIn(builder, definition, model.settings);
    const scopeId =
      model.settings?.anonymous === true
        ? (tenantId ?? getEffectiveScope())
        : GLOBAL_TENANT;
    this.scopes.register(scopeId, builder, key, model);
  }

  /** A model of this structure in the scope, in `builder` or any builder. */
  findModelByStructure(
    properties: object,
    builder?: object,
    tenantId?: string,
    strict: unknown = false,
  ): ModelClassLike | undefined {
    const scope = this.scopes.get(tenantId ?? getEffectiveScope());
    const candidates = builder ? [builder as Builder] : scope?.builders();
    let record: ModelRecord | undefined;
    for (const candidate of candidates ?? []) {
      const key = structureKeyIn(candidate, properties, {strict});
      record = scope?.findRecord(candidate, key);
      if (record !== undefined) break;
    }
    return this.scopes.counted(scope, record);
  }

  /** The model last registered as `name` in the scope, else globally. */
  findModelByName(name: string, tenantId?: string): ModelClassLike | undefined {
    const scope = this.scopes.get(tenantId ?? getEffectiveScope());
    return (scope?.named(name) ?? this.scopes.global.named(name))?.model;
  }

  /** The bridge's lookup in one scope. @internal */
  lookupAnonymous(builder: Builder, key: string, scopeId: string) {
    const scope = this.scopes.get(scopeId);
    return this.scopes.counted(scope, scope?.findRecord(builder, key));
  }

  /** The bridge's registration of a model juggler built. @internal */
  registerAnonymous(
    builder: Builder,
    key: string,
    scopeId: string,
    model: ModelClassLike,
  ): void {
    this.scopes.register(scopeId, builder, key, model);
  }

  /** Note the tenant models a definition uses (see eviction). @internal */
  noteDefinitionBuilt(definition: juggler.ModelDefinitionLike): void {
    addReferrers(definition, this.scopes.recordOf);
  }

  /** Count a bridge failure (juggler's own path ran). @internal */
  recordBridgeFallback(error: unknown): void {
    this.counters.bridgeFallbacks++;
    debug('bridge fell back to juggler: %s', error);
  }

  /** Mark a named model as a tenant's: evicting the tenant removes it. */
  trackModel(tenantId: string, model: object): void {
    this.scopes.owner(tenantId).trackModel(model as ModelClassLike);
  }

  /** Mark a DataSource as a tenant's: evicting the tenant disconnects it. */
  trackDataSource(tenantId: string, dataSource: object): void {
    const owner = this.scopes.owner(tenantId);
    owner.dataSources.add(dataSource as juggler.DataSourceLike);
  }

  /**
   * The current tenant's own model of `baseName` (named by `tenantModelName`,
   * tracked): the same class while the definition is unchanged. Throws
   * `TENANT_REQUIRED` without a tenant, `TENANT_IDENTIFIER_TOO_LONG` when a
   * name to shorten has a `baseName` over `maxIdentifierBytes - 29` bytes.
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
    const maxBytes = this.maxIdentifierBytes;
    const definition = {baseName, properties, settings, maxBytes};
    return defineTenantModel(this.scopes, dataSource, definition) as M;
  }

  /** The name `defineTenantModel` gives `baseName` (`tenantIdentifier`). */
  static readonly tenantModelName = tenantIdentifier;

  /** Take a lease on a tenant (shared with `runInTenant`): no eviction. */
  acquire(tenantId: string): void {
    const lease = this.scopes.lease(tenantId);
    if (lease === undefined) leases.acquireLease(tenantId);
  }

  /** End a lease; an eviction that waited for the last one runs now. */
  release(tenantId: string): void {
    leases.endLeaseOf(tenantId);
  }

  /** Whether a tenant has a lease or `runInTenant` work in flight. */
  isLeased(tenantId: string): boolean {
    return leases.isTenantLeased(tenantId);
  }

  /** Lease a tenant, admitted if room is made; else ms to wait. @internal */
  admitTenant(tenantId: string): leases.TenantLease | number {
    const live = this.scopes.lease(tenantId);
    if (live !== undefined) return live;
    const wait = this.evictor.makeRoom();
    this.recordAdmission(wait > 0 ? 'capacity' : 'admitted');
    if (wait > 0) return wait;
    this.scopes.getOrCreate(tenantId);
    return this.scopes.lease(tenantId)!;
  }

  /** Count an admission outcome. @internal */
  recordAdmission(result: AdmissionResult): void {
    this.counters.recordAdmission(result, this.clock.now());
  }

  /** Evict a tenant now (what went is returned), or once its leases end. */
  evictTenant(tenantId: string, reason: EvictionReason = 'manual') {
    return this.evictor.evict(tenantId, reason);
  }

  /** Evict every tenant without a lease unused for over `maxIdleTime` ms. */
  evictIdleTenants(maxIdleTime: number, reason: EvictionReason = 'idle') {
    const isIdle = usedBefore(this.clock.now() - maxIdleTime);
    return this.evictor.walk(reason, isIdle).evicted;
  }

  /**
   * Evict every tenant without a lease now, holding the event loop; with
   * reason `external`, leased ones once their leases end.
   */
  evictAllTenants(reason: EvictionReason = 'manual'): number {
    return this.evictor.evictAll(reason);
  }

  /** {@link ModelRegistry.evictAllTenants} in slices, for those live now. */
  evictAllTenantsInSlices(reason: EvictionReason = 'manual') {
    return this.evictor.evictAllInSlices(reason);
  }

  /** `evictTenant(tenantId)`, waiting for disconnects (the seed's name). */
  async cleanupTenant(tenantId: string): Promise<boolean> {
    const eviction = this.evictTenant(tenantId, 'manual');
    await this.closer.drain();
    return eviction !== undefined;
  }

  /** {@link ModelRegistry.evictIdleTenants} (the seed's name). */
  cleanupInactiveTenants(maxIdleTime: number): number {
    return this.evictIdleTenants(maxIdleTime);
  }

  /** Whether a tenant has a live scope. */
  hasTenant(tenantId: string): boolean {
    return this.scopes.has(tenantId);
  }

  /** Resolves when the DataSource disconnects started so far settle. */
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

  /** Record a cleanup pass. @internal */
  recordCleanupPass(pass: CleanupPassStats): void {
    this.counters.lastCleanup = pass;
    if (pass.error !== undefined) this.counters.cleanupFailures++;
    this.safeEmit('cleanupPass', pass);
  }

  /** The registry's counters (see {@link ModelRegistryStats}). */
  getStats(): ModelRegistryStats {
    return this.counters.snapshot(this.scopes, {
      pendingEvictions: this.evictor.pending.size,
      disconnectFailures: this.closer.failures,
      maxTenants: this.maxTenants,
    });
  }

  /** One line per live tenant scope, ordered and limited by `query`. */
  getTenantRegistryInfo(query?: TenantInfoQuery): TenantRegistryInfo[] {
    return this.scopes.info(query);
  }

  private safeEmit<E extends keyof Events>(event: E, ...args: Events[E]) {
    if (this.listenerCount(event) === 0) return;
    try {
      this.emit(event as keyof Events, ...args);
    } catch (error: unknown) {
      this.counters.listenerFailures++;
      debug('a %s listener threw: %s', event, error);
    }
  }
}
