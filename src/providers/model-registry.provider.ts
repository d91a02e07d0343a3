// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject, injectable, BindingScope, type Provider} from '@loopback/core';
import {TenantRegistryBindings} from '../keys';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';
import {ModelRegistry} from '../registry/model-registry';

/**
 * The application's `ModelRegistry`, configured from the component options.
 *
 * @internal
 */
@injectable({scope: BindingScope.SINGLETON})
export class ModelRegistryProvider implements Provider<ModelRegistry> {
  constructor(
    @inject(TenantRegistryBindings.OPTIONS)
    private readonly options: ResolvedTenantRegistryOptions,
  ) {}

  value(): ModelRegistry {
    const {
      clock,
      disconnectTimeout,
      maxTenants,
      protectionWindow,
      maxIdentifierBytes,
    } = this.options;
    return new ModelRegistry(
      {disconnectTimeout, maxTenants, protectionWindow, maxIdentifierBytes},
      {clock},
    );
  }
}
