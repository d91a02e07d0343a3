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

/** The tenant parameter or bearer scheme on the app's operations. @internal */
@injectable(asSpecEnhancer)
export class TenantSpecEnhancer implements OASEnhancer {
  readonly name = 'tenant-registry';

  constructor(
    @inject(TenantRegistryBindings.OPTIONS)
    private readonly options: ResolvedTenantRegistryOptions,
  ) {}

  modifySpec(spec: OpenApiSpec): OpenApiSpec {
    const {strategies, health, metrics, dashboard} = this.options;
    // Each of these strategies is named after where it reads the tenant.
    const parameters = (['header', 'query'] as const)
      .filter(location => strategies.includes(location))
      .map(location => ({
        name: this.options[location],
        in: location,
        description:
          'The tenant this request acts for: required by operations that ' +
          'use the tenant when the app requires one.',
        // An operation that never asks for the tenant needs none, even under
        // `requireTenant` (the spec cannot tell which operations ask).
        required: false,
        schema: {
          type: 'string' as const,
          pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$',
          maxLength: 128,
        },
      }));
    const usesJwt = strategies.includes('jwt');
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
      const isOwnPath =
        path === health.path ||
        path === metrics.path ||
        path === dashboard.path ||
        path.startsWith(`${dashboard.path}/`);
      if (isOwnPath) continue;
      const operations = item as Record<string, OperationObject | undefined>;
      for (const method of METHODS) {
        const operation = operations[method];
        if (operation === undefined) continue;
        const own = (operation.parameters ?? []) as ParameterObject[];
        const missing = parameters.filter(
          p => !own.some(e => e.name === p.name && e.in === p.in),
        );
        if (missing.length > 0) operation.parameters = [...own, ...missing];
        if (!usesJwt) continue;
        const token = {[SCHEME]: []};
        if (operation.security === undefined) {
          // The empty requirement makes the token optional (see `required`).
          operation.security = [token, {}];
        } else if (!operation.security.some(r => SCHEME in r)) {
          operation.security.push(token);
        }
      }
    }
    return spec;
  }
}
