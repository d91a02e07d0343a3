// Copyright loopback4-tenant-registry contributors. MIT License.

import {tenantIdentifier} from '../context/tenant-identifier';
import {validateTenantId} from '../context/tenant-id';
import {
  acquireLease,
  endLeaseOf,
  isTenantLeased,
} from '../context/tenant-lease';
import type {DataSourceLike, ModelClassLike} from '../bridge/juggler-shapes';
import {ModelIndex} from './model-index';
import {defineTenantModel, type ModelDefiningDataSource} from './tenant-models';

/**
 * The ownership layer of `ModelRegistry`: what a tenant owns besides its
 * anonymous models (tracked named models and DataSources, models defined
 * per tenant) and the leases that keep a busy tenant from eviction.
 *
 * @internal
 */
export abstract class TenantResources extends ModelIndex {
  /**
   * The identifier limit, in bytes, of the names `defineTenantModel` gives
   * (see `ModelRegistryOptions.maxIdentifierBytes`).
   */
  abstract readonly maxIdentifierBytes: number;

  /**
   * Mark a named model as owned by a tenant: evicting the tenant removes it
   * from its builder and connector, with its anonymous children.
   *
   * @param tenantId - The owning tenant.
   * @param model - A juggler model class (for LB4, a repository's
   * `modelClass`).
   */
  trackModel(tenantId: string, model: object): void {
    const registry = this.scopeFor(validateTenantId(tenantId));
    registry.trackModel(model as ModelClassLike);
    this.scopes.touch(registry);
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
    const registry = this.scopeFor(validateTenantId(tenantId));
    registry.dataSources.add(dataSource as DataSourceLike);
    this.scopes.touch(registry);
  }

  /**
   * The current tenant's own model of `baseName` (the most common
   * multi-tenant pattern: a model per tenant, maybe with tenant-specific
   * fields), named injectively from the tenant id, tracked for eviction.
   * Its name is {@link ModelRegistry.tenantModelName}, at most
   * `maxIdentifierBytes` long.
   *
   * @remarks
   * While the definition (properties and settings) is unchanged, the same
   * class is returned; a changed definition releases the old model and
   * builds the new one. Without a current tenant it throws `TENANT_REQUIRED`
   * (HTTP 400) and defines nothing; when a name needs shortening and
   * `baseName` is longer than `maxIdentifierBytes - 29` bytes, it throws
   * `TENANT_IDENTIFIER_TOO_LONG` (keep base names short enough for every id).
   *
   * @param dataSource - A juggler DataSource.
   * @param baseName - The model name before the tenant suffix.
   * @param properties - Juggler property definitions.
   * @param settings - Juggler model settings.
   * @returns The model class (for LB4, a `juggler.PersistedModelClass`).
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
      baseName,
      properties,
      settings,
      tenantId => this.scopeFor(tenantId),
      this.scopes.recordOf,
      this.maxIdentifierBytes,
    ) as M;
  }

  /**
   * The name `defineTenantModel` gives `baseName` for a tenant: distinct
   * tenant ids always get distinct names, also lower-cased and within the
   * identifier limit (see `tenantIdentifier`, the same rule).
   *
   * @param baseName - The model name before the tenant suffix.
   * @param tenantId - A valid tenant id.
   * @param options - `maxBytes`: the registry's `maxIdentifierBytes`
   * (default 63).
   */
  static tenantModelName(
    baseName: string,
    tenantId: string,
    options: {maxBytes?: number} = {},
  ): string {
    return tenantIdentifier(baseName, tenantId, options);
  }

  /**
   * Take a lease on a tenant: it is not evicted until every lease is
   * released. Leases and `runInTenant` share one process-wide count of work
   * in flight, so a lease taken through any registry counts for all.
   *
   * @param tenantId - A valid tenant id.
   */
  acquire(tenantId: string): void {
    acquireLease(tenantId);
    const registry = this.scopes.get(tenantId);
    if (registry !== undefined) this.scopes.touch(registry);
  }

  /**
   * Release a lease. When it was the last unit of work and the tenant was
   * marked for eviction meanwhile, it is evicted now.
   *
   * @param tenantId - A tenant id passed to `acquire`.
   */
  release(tenantId: string): void {
    endLeaseOf(tenantId);
  }

  /**
   * Whether a tenant has a lease or `runInTenant` work in flight.
   *
   * @param tenantId - A tenant id.
   */
  isLeased(tenantId: string): boolean {
    return isTenantLeased(tenantId);
  }
}
