// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject, type ControllerClass} from '@loopback/core';
import {
  get,
  oas,
  OperationVisibility,
  RestBindings,
  type Response,
} from '@loopback/rest';
import {TenantRegistryBindings} from '../keys';
import {
  checkHealth,
  type TenantRegistryHealth,
} from '../observability/tenant-health';
import type {TenantRegistryMetrics} from '../observability/tenant-metrics';
import type {RegistryManager} from '../observers/registry-manager.observer';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';

// In the OpenAPI spec only when `documented` (as `@loopback/health` does).
const visibility = (documented: boolean | undefined) =>
  oas.visibility(
    documented
      ? OperationVisibility.DOCUMENTED
      : OperationVisibility.UNDOCUMENTED,
  );
const JSON_OBJECT = {'application/json': {schema: {type: 'object'}}};
const TEXT = {'text/plain': {schema: {type: 'string'}}};

/** The health endpoint at `health.path`. @internal */
export function createHealthController(
  options: ResolvedTenantRegistryOptions,
): ControllerClass {
  const summary = 'Tenant registry health';
  @visibility(options.health.documented)
  class TenantRegistryHealthController {
    constructor(
      @inject(TenantRegistryBindings.REGISTRY_MANAGER)
      private readonly manager: RegistryManager,
    ) {}

    @get(options.health.path, {
      summary,
      responses: {'200': {description: summary, content: JSON_OBJECT}},
    })
    health(): TenantRegistryHealth {
      return checkHealth(this.manager.getStats(), options.health);
    }
  }
  return TenantRegistryHealthController;
}

/** The Prometheus endpoint at `metrics.path`. @internal */
export function createMetricsController(
  options: ResolvedTenantRegistryOptions,
  path: string,
): ControllerClass {
  @visibility(options.metrics.documented)
  class TenantRegistryMetricsController {
    constructor(
      @inject(TenantRegistryBindings.METRICS)
      private readonly metrics: TenantRegistryMetrics,
      @inject(RestBindings.Http.RESPONSE)
      private readonly response: Response,
    ) {}

    @get(path, {
      summary: 'Tenant registry metrics (Prometheus text format)',
      responses: {'200': {description: 'Prometheus metrics', content: TEXT}},
    })
    async metricsText(): Promise<Response> {
      const text = await this.metrics.metricsText();
      this.response
        .status(200)
        .set('content-type', this.metrics.contentType)
        .send(text);
      return this.response;
    }
  }
  return TenantRegistryMetricsController;
}
