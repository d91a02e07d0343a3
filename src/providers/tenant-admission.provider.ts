// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject, injectable, BindingScope, type Provider} from '@loopback/core';
import {
  TenantAdmission,
  type TenantAdmissionCheck,
} from '../admission/tenant-admission';
import type {SuspendedTenants} from '../fleet/suspended-tenants';
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
    @inject(TenantRegistryBindings.SUSPENDED_TENANTS)
    private readonly suspended: SuspendedTenants,
    @inject(TenantRegistryBindings.ADMISSION_CHECK, {optional: true})
    private readonly check?: TenantAdmissionCheck,
  ) {}

  value(): TenantAdmission {
    const {admission, clock, tenantIdCase} = this.options;
    return new TenantAdmission(
      this.registry,
      {...admission, clock, tenantIdCase},
      this.check,
      this.suspended,
    );
  }
}
