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
import type {TenantRegistryMetrics} from '../observability/tenant-metrics';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';

/**
 * The Prometheus endpoint at `metrics.path` (hidden from the OpenAPI spec
 * unless `metrics.documented`), served with Prometheus' text content type.
 *
 * @internal
 */
export function createMetricsController(
  options: ResolvedTenantRegistryOptions,
  path: string,
): ControllerClass {
  @oas.visibility(
    options.metrics.documented
      ? OperationVisibility.DOCUMENTED
      : OperationVisibility.UNDOCUMENTED,
  )
  class TenantRegistryMetricsController {
    constructor(
      @inject(TenantRegistryBindings.METRICS)
      private readonly metrics: TenantRegistryMetrics,
      @inject(RestBindings.Http.RESPONSE)
      private readonly response: Response,
    ) {}

    @get(path, {
      summary: 'Tenant registry metrics (Prometheus text format)',
      responses: {
        '200': {
          description: 'Prometheus metrics',
          content: {'text/plain': {schema: {type: 'string'}}},
        },
      },
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
