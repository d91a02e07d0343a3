// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject, injectable, BindingScope, type Provider} from '@loopback/core';
import {
  TenantAdmission,
  type TenantAdmissionCheck,
} from '../eviction/tenant-admission';
import {TenantRegistryBindings} from '../keys';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';
import type {ModelRegistry} from '../registry/model-registry';

/**
 * Tenant admission, with the application's check when one is bound.
 *
 * @internal
 */
@injectable({scope: BindingScope.SINGLETON})
export class TenantAdmissionProvider implements Provider<TenantAdmission> {
  constructor(
    @inject(TenantRegistryBindings.REGISTRY)
    private readonly registry: ModelRegistry,
    @inject(TenantRegistryBindings.OPTIONS)
    private readonly options: ResolvedTenantRegistryOptions,
    @inject(TenantRegistryBindings.ADMISSION_CHECK, {optional: true})
    private readonly check?: TenantAdmissionCheck,
  ) {}

  value(): TenantAdmission {
    return new TenantAdmission(
      this.registry,
      {...this.options.admission, clock: this.options.clock},
      this.check,
    );
  }
}
