// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject, injectable, BindingScope, type Provider} from '@loopback/core';
import {
  TenantDataSourceCache,
  type TenantDataSourceFactory,
} from '../datasources/tenant-datasource-cache';
import {TenantRegistryBindings} from '../keys';
import type {ModelRegistry} from '../registry/model-registry';

/**
 * The per-tenant DataSource cache, from the application's factory.
 *
 * @internal
 */
@injectable({scope: BindingScope.SINGLETON})
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
