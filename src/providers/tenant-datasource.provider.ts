// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject, injectable, type Provider} from '@loopback/core';
import {getCurrentTenant} from '../context/tenant-context';
import {TenantDataSourceCache} from '../datasources/tenant-datasource-cache';
import type {TenantDataSourceFactory} from '../datasources/tenant-datasource-cache';
import {tenantRequiredError} from '../errors';
import {TenantRegistryBindings} from '../keys';
import type {ModelRegistry} from '../registry/model-registry';
import {toHttpError} from './http-errors';

/**
 * Provides the per-tenant DataSource cache, from the application's factory.
 */
@injectable()
export class TenantDataSourceCacheProvider implements Provider<TenantDataSourceCache> {
  constructor(
    @inject(TenantRegistryBindings.REGISTRY)
    private readonly registry: ModelRegistry,
    @inject(TenantRegistryBindings.DATASOURCE_FACTORY, {optional: true})
    private readonly factory?: TenantDataSourceFactory,
  ) {}

  value(): TenantDataSourceCache {
    if (this.factory === undefined) {
      throw new Error(
        'TenantRegistryBindings.TENANT_DATASOURCE needs a factory: bind a ' +
          'function (tenantId) => DataSource at ' +
          'TenantRegistryBindings.DATASOURCE_FACTORY.',
      );
    }
    return new TenantDataSourceCache(this.registry, this.factory);
  }
}

/**
 * The current tenant's DataSource (see
 * `TenantRegistryBindings.TENANT_DATASOURCE`). A request without a tenant
 * gets `DEFAULT_DATASOURCE` when one is bound, else 400 `TENANT_REQUIRED`; a
 * failing factory answers 503 `TENANT_DATASOURCE_UNAVAILABLE`.
 */
@injectable()
export class TenantDataSourceProvider implements Provider<object> {
  constructor(
    @inject(TenantRegistryBindings.TENANT_DATASOURCES)
    private readonly cache: TenantDataSourceCache,
    @inject(TenantRegistryBindings.DEFAULT_DATASOURCE, {optional: true})
    private readonly defaultDataSource?: object,
  ) {}

  async value(): Promise<object> {
    const tenantId = getCurrentTenant();
    if (tenantId === undefined) {
      if (this.defaultDataSource !== undefined) return this.defaultDataSource;
      throw toHttpError(tenantRequiredError());
    }
    try {
      return await this.cache.get(tenantId);
    } catch (error: unknown) {
      throw toHttpError(error);
    }
  }
}
