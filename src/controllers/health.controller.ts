// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject, type ControllerClass} from '@loopback/core';
import {get, oas, OperationVisibility} from '@loopback/rest';
import {TenantRegistryBindings} from '../keys';
import {
  checkHealth,
  type TenantRegistryHealth,
} from '../observability/tenant-health';
import type {RegistryManager} from '../observers/registry-manager.observer';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';

/**
 * The health endpoint at `health.path` (hidden from the OpenAPI spec unless
 * `health.documented`), as `@loopback/health` builds its controller.
 *
 * @internal
 */
export function createHealthController(
  options: ResolvedTenantRegistryOptions,
): ControllerClass {
  const {path, documented} = options.health;

  @oas.visibility(
    documented
      ? OperationVisibility.DOCUMENTED
      : OperationVisibility.UNDOCUMENTED,
  )
  class TenantRegistryHealthController {
    constructor(
      @inject(TenantRegistryBindings.REGISTRY_MANAGER)
      private readonly manager: RegistryManager,
    ) {}

    @get(path, {
      summary: 'Tenant registry health',
      responses: {
        '200': {
          description: 'Tenant registry health',
          content: {'application/json': {schema: {type: 'object'}}},
        },
      },
    })
    health(): TenantRegistryHealth {
      return checkHealth(this.manager.getStats(), options.health);
    }
  }
  return TenantRegistryHealthController;
}
