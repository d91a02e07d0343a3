// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject, injectable, BindingScope, type Provider} from '@loopback/core';
import {TenantRegistryBindings} from '../keys';
import {TenantRegistryMetrics} from '../observability/tenant-metrics';
import type {RegistryManager} from '../observers/registry-manager.observer';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';
import type {ModelRegistry} from '../registry/model-registry';

/**
 * The Prometheus metrics, in a prom-client `Registry` of their own.
 *
 * @internal
 */
@injectable({scope: BindingScope.SINGLETON})
export class TenantMetricsProvider implements Provider<TenantRegistryMetrics> {
  constructor(
    @inject(TenantRegistryBindings.REGISTRY)
    private readonly registry: ModelRegistry,
    @inject(TenantRegistryBindings.REGISTRY_MANAGER)
    private readonly manager: RegistryManager,
    @inject(TenantRegistryBindings.OPTIONS)
    private readonly options: ResolvedTenantRegistryOptions,
  ) {}

  value(): TenantRegistryMetrics {
    const metrics = new TenantRegistryMetrics(this.registry, this.manager, {
      prefix: this.options.metrics.prefix,
    });
    if (this.options.metrics.registerGlobally) metrics.registerGlobally();
    return metrics;
  }
}
