// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  BindingScope,
  inject,
  lifeCycleObserver,
  type Getter,
  type Provider,
} from '@loopback/core';
import {
  TenantDataSourcePool,
  type TenantDataSourceFactory,
} from '../datasources/tenant-datasource-pool';
import {TenantRegistryBindings} from '../keys';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';
import type {ModelRegistry} from '../registry/model-registry';

/**
 * The pool of tenant DataSources, from the application's factory and the
 * `dataSources` options.
 *
 * @remarks
 * A lifecycle observer (group `tenant-registry`, which stops after the REST
 * server): the pool's `stop()` closes every tenant DataSource on
 * `app.stop()`. The factory is read when a DataSource is first needed, so it
 * may be bound after `app.start()`.
 *
 * @internal
 */
@lifeCycleObserver('tenant-registry', {scope: BindingScope.SINGLETON})
export class TenantDataSourcePoolProvider implements Provider<TenantDataSourcePool> {
  constructor(
    @inject(TenantRegistryBindings.REGISTRY)
    private readonly registry: ModelRegistry,
    @inject(TenantRegistryBindings.OPTIONS)
    private readonly options: ResolvedTenantRegistryOptions,
    @inject.getter(TenantRegistryBindings.DATASOURCE_FACTORY, {optional: true})
    private readonly getFactory: Getter<TenantDataSourceFactory | undefined>,
  ) {}

  value(): TenantDataSourcePool {
    const {dataSources, disconnectTimeout} = this.options;
    return new TenantDataSourcePool(
      this.registry,
      {get: this.getFactory},
      {
        maxOpen: dataSources.maxOpen,
        acquireTimeout: dataSources.acquireTimeout,
        disconnectTimeout,
      },
    );
  }
}
