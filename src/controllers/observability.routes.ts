// Copyright loopback4-tenant-registry contributors. MIT License.

import {Binding, type Context} from '@loopback/core';
import {RestTags, Route, type OperationObject} from '@loopback/rest';
import {TenantRegistryBindings} from '../keys';
import {checkHealth} from '../observability/tenant-health';
import type {ResolvedTenantRegistryOptions} from '../types';

const JSON_RESPONSE = {
  '200': {
    description: 'Tenant registry health',
    content: {'application/json': {schema: {type: 'object'}}},
  },
};

/**
 * The health and metrics routes the options ask for, as route bindings that
 * the REST server picks up. Hidden from the OpenAPI spec unless
 * `health.documented` / `metrics.documented` is set.
 *
 * @param context - Where the registry and metrics are bound.
 * @param options - Resolved component options.
 */
export function observabilityRouteBindings(
  context: Context,
  options: ResolvedTenantRegistryOptions,
): Binding[] {
  const bindings: Binding[] = [];
  const {health, metrics} = options;
  if (health.enabled) {
    const spec: OperationObject = {
      summary: 'Tenant registry health',
      'x-visibility': health.documented ? undefined : 'undocumented',
      responses: JSON_RESPONSE,
    };
    bindings.push(
      routeBinding(
        new Route('get', health.path, spec, async () => {
          const registry = await context.get(TenantRegistryBindings.REGISTRY);
          return checkHealth(registry.getStats(), health);
        }),
      ),
    );
  }
  if (metrics.enabled && metrics.path !== undefined) {
    const spec: OperationObject = {
      summary: 'Tenant registry metrics (Prometheus text format)',
      'x-visibility': metrics.documented ? undefined : 'undocumented',
      responses: {
        '200': {
          description: 'Prometheus metrics',
          content: {'text/plain': {schema: {type: 'string'}}},
        },
      },
    };
    bindings.push(
      routeBinding(
        new Route('get', metrics.path, spec, async () => {
          const registryMetrics = await context.get(
            TenantRegistryBindings.METRICS,
          );
          return registryMetrics.metricsText();
        }),
      ),
    );
  }
  return bindings;
}

function routeBinding(route: Route): Binding {
  return Binding.bind(`routes.tenant-registry.${route.verb} ${route.path}`)
    .to(route)
    .tag(RestTags.REST_ROUTE);
}
