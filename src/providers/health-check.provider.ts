// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject, injectable, type Provider} from '@loopback/core';
import {TenantRegistryBindings} from '../keys';
import {checkHealth} from '../observability/tenant-health';
import type {RegistryManager} from '../observers/registry-manager.observer';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';

/**
 * A readiness check for apps using LoopBack's health extension (tagged
 * `health.readyCheck`): rejects while the registry is not `healthy`.
 *
 * @internal
 */
@injectable({tags: ['health.readyCheck']})
export class HealthCheckProvider implements Provider<() => Promise<void>> {
  constructor(
    @inject(TenantRegistryBindings.REGISTRY_MANAGER)
    private readonly manager: RegistryManager,
    @inject(TenantRegistryBindings.OPTIONS)
    private readonly options: ResolvedTenantRegistryOptions,
  ) {}

  value(): () => Promise<void> {
    return async () => {
      const health = checkHealth(this.manager.getStats(), this.options.health);
      if (health.status !== 'healthy') {
        throw new Error(`tenant registry: ${health.warnings.join('; ')}`);
      }
    };
  }
}
