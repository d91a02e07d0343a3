// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject, injectable} from '@loopback/core';
import {
  asSpecEnhancer,
  type OASEnhancer,
  type OpenApiSpec,
  type OperationObject,
  type ParameterObject,
} from '@loopback/rest';
import {TenantRegistryBindings} from '../keys';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];
const SCHEME = 'tenantToken';
const TENANT_ID_SCHEMA = {
  type: 'string' as const,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$',
  maxLength: 128,
};

/**
 * Documents the tenant in the OpenAPI spec (and so in API Explorer, whose
 * "Try it out" can then send it): the `header` and `query` strategies'
 * parameter on every operation (required when `requireTenant` is set and it
 * is the only way to name one), and a bearer security scheme for `jwt`. Our
 * own endpoints (health, metrics, dashboard) are left alone.
 *
 * @internal
 */
@injectable(asSpecEnhancer)
export class TenantSpecEnhancer implements OASEnhancer {
  readonly name = 'tenant-registry';

  constructor(
    @inject(TenantRegistryBindings.OPTIONS)
    private readonly options: ResolvedTenantRegistryOptions,
  ) {}

  modifySpec(spec: OpenApiSpec): OpenApiSpec {
    const parameters = this.tenantParameters();
    const usesJwt = this.options.strategies.includes('jwt');
    if (usesJwt) {
      spec.components ??= {};
      spec.components.securitySchemes ??= {};
      spec.components.securitySchemes[SCHEME] = {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: `A token whose \`${this.options.jwt?.claim ?? 'tenant'}\` claim names the tenant.`,
      };
    }
    for (const [path, item] of Object.entries(spec.paths ?? {})) {
      if (this.isOwnPath(path)) continue;
      for (const method of METHODS) {
        const operation = (item as Record<string, OperationObject | undefined>)[
          method
        ];
        if (operation === undefined) continue;
        addParameters(operation, parameters);
        if (usesJwt) this.addSecurity(operation);
      }
    }
    return spec;
  }

  /** The header and query strategies' parameters, as configured. */
  private tenantParameters(): ParameterObject[] {
    const {strategies, requireTenant, header, query} = this.options;
    const isOnlyWay = requireTenant && strategies.length === 1;
    const names = {header, query};
    // Each strategy is named after where it reads the tenant.
    return (['header', 'query'] as const)
      .filter(location => strategies.includes(location))
      .map(location => ({
        name: names[location],
        in: location,
        description: 'The tenant this request acts for.',
        required: isOnlyWay,
        schema: TENANT_ID_SCHEMA,
      }));
  }

  private addSecurity(operation: OperationObject): void {
    const requirement = {[SCHEME]: []};
    if (operation.security === undefined) {
      // An empty requirement makes the token optional when a tenant is.
      operation.security = this.options.requireTenant
        ? [requirement]
        : [requirement, {}];
    } else if (!operation.security.some(r => SCHEME in r)) {
      operation.security.push(requirement);
    }
  }

  private isOwnPath(path: string): boolean {
    const {health, metrics, dashboard} = this.options;
    return (
      path === health.path ||
      path === metrics.path ||
      path === dashboard.path ||
      path.startsWith(`${dashboard.path}/`)
    );
  }
}

function addParameters(
  operation: OperationObject,
  parameters: ParameterObject[],
): void {
  const existing = (operation.parameters ?? []) as ParameterObject[];
  const missing = parameters.filter(
    p => !existing.some(e => e.name === p.name && e.in === p.in),
  );
  if (missing.length > 0) operation.parameters = [...existing, ...missing];
}
