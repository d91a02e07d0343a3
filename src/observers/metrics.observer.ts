// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  BindingScope,
  inject,
  lifeCycleObserver,
  type Getter,
  type LifeCycleObserver,
} from '@loopback/core';
import {TenantRegistryBindings} from '../keys';
import type {TenantRegistryMetrics} from '../observability/tenant-metrics';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';

/**
 * Creates the metrics on start (when enabled), so that the cleanup-duration
 * histogram sees every pass, not only those after the first scrape.
 *
 * @internal
 */
@lifeCycleObserver('tenant-registry', {scope: BindingScope.SINGLETON})
export class MetricsObserver implements LifeCycleObserver {
  constructor(
    @inject(TenantRegistryBindings.OPTIONS)
    private readonly options: ResolvedTenantRegistryOptions,
    @inject.getter(TenantRegistryBindings.METRICS)
    private readonly getMetrics: Getter<TenantRegistryMetrics>,
  ) {}

  async start(): Promise<void> {
    if (this.options.metrics.enabled) await this.getMetrics();
  }
}
