// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {EventEmitter} from 'node:events';
import {GLOBAL_TENANT, getEffectiveScope} from '../context/tenant-context';
import type {Clock} from './clock';
import {
  modelTypeOf,
  resolveTypeNameIn,
  type ModelBuilderLike,
  type ModelClassLike,
  type ModelDefinitionLike,
} from '../bridge/juggler-shapes';
import {addReferrer, type ModelRecord} from './model-record';
import {RegistryCounters} from './registry-counters';
import type {CleanupPassStats, TenantEviction} from './registry-stats';
import {computeStructureKey} from './structure-key';
import type {ModelScope} from './model-scope';
import {TenantScopes} from './tenant-scopes';

const debug = debugFactory('loopback:tenant-registry:registry');

/** Events emitted by a `ModelRegistry`. */
export interface ModelRegistryEvents {
  /** A tenant's footprint was released. */
  tenantEvicted: [eviction: TenantEviction];
  /** A cleanup pass finished (see `RegistryManager`). */
  cleanupPass: [pass: CleanupPassStats];
}

/**
 * The lookup layer of `ModelRegistry`: anonymous models per scope, found by
 * structure key or name, and the bridge's hooks.
 *
 * @internal
 */
export abstract class ModelIndex extends EventEmitter<ModelRegistryEvents> {
  protected readonly scopes: TenantScopes;
  protected readonly counters = new RegistryCounters();

  constructor(protected readonly clock: Clock) {
    super();
    this.scopes = new TenantScopes(clock);
  }

  /**
   * Register a juggler model: an anonymous one (`settings.anonymous`) in the
   * scope's registry under its structure key, a named one in the global
   * scope.
   *
   * @param modelClass - A juggler model class.
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
    const registry = this.scopes.get(scope);
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
    const registry = this.scopes.get(this.scopeOf(tenantId));
    return (
      registry?.findModelByName(name) ??
      this.scopes.global.findModelByName(name)
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
    const registry = this.scopes.get(scope);
    const record = registry?.findModelByStructure(builder, key);
    if (record === undefined) {
      this.counters.misses++;
      return undefined;
    }
    this.counters.hits++;
    this.scopes.touch(registry!);
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
    const registry = this.scopeFor(scope);
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
    this.scopes.index(record);
    this.counters.modelsCreated++;
    this.scopes.touch(registry);
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
      const record = this.scopes.recordOf(modelTypeOf(properties[name]));
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

  /** The scope's registry, created when missing. */
  protected scopeFor(scope: string): ModelScope {
    return this.scopes.get(scope) ?? this.createScope(scope);
  }

  /** Create a tenant scope (the registry enforces its cap here). */
  protected abstract createScope(tenantId: string): ModelScope;

  protected scopeOf(tenantId: string | undefined): string {
    return tenantId ?? getEffectiveScope();
  }

  protected safeEmit<E extends keyof ModelRegistryEvents>(
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
