// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject, intercept, type ControllerClass} from '@loopback/core';
import {
  get,
  oas,
  OperationVisibility,
  param,
  post,
  RestBindings,
  type Response,
} from '@loopback/rest';
import {isValidTenantId} from '../context/tenant-id';
import {unshownTenantIdError} from '../errors';
import {TenantRegistryBindings} from '../keys';
import type {RegistryManager} from '../observers/registry-manager.observer';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';
import type {ModelRegistry} from '../registry/model-registry';
import {toHttpError} from '../request/http-errors';
import type {TenantAdminService} from '../services/tenant-admin.service';
import {authorizeDashboard} from './dashboard-auth';
import {renderDashboardPage} from './dashboard-page';
import {dashboardStats} from './dashboard-stats';

const JSON_RESPONSE = {
  responses: {
    '200': {
      description: 'ok',
      content: {'application/json': {schema: {type: 'object' as const}}},
    },
  },
};

/**
 * The operator dashboard and its admin API under `dashboard.path`: the page,
 * `GET api/stats`, `POST api/evict-all` and `POST api/tenants/{tenantId}/`
 * `evict`, `suspend` or `resume` (fleet-wide). Hidden from the OpenAPI
 * spec; every route passes one authorization interceptor.
 *
 * @internal
 */
export function createDashboardController(
  options: ResolvedTenantRegistryOptions,
): ControllerClass {
  const basePath = options.dashboard.path;

  @oas.visibility(OperationVisibility.UNDOCUMENTED)
  @intercept(authorizeDashboard(options.dashboard, 'page'))
  class TenantRegistryDashboardController {
    constructor(
      @inject(RestBindings.Http.RESPONSE) private readonly response: Response,
      @inject(TenantRegistryBindings.REGISTRY)
      private readonly registry: ModelRegistry,
      @inject(TenantRegistryBindings.REGISTRY_MANAGER)
      private readonly manager: RegistryManager,
      @inject(TenantRegistryBindings.ADMIN)
      private readonly admin: TenantAdminService,
    ) {}

    @get(basePath, JSON_RESPONSE)
    page(): Response {
      this.response
        .status(200)
        .type('html')
        .set('cache-control', 'no-store')
        .set(
          'content-security-policy',
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
        )
        .send(renderDashboardPage(basePath));
      return this.response;
    }

    @get(`${basePath}/api/stats`, JSON_RESPONSE)
    stats(): object {
      // O(rows shown), not O(tenants): the page polls it every 2 s.
      return dashboardStats(this.registry, this.manager, options);
    }

    @post(`${basePath}/api/evict-all`, JSON_RESPONSE)
    async evictAll(): Promise<object> {
      // In slices: the instance keeps serving while it evicts.
      return {evicted: await this.manager.evictAllTenantsInSlices()};
    }

    @post(`${basePath}/api/tenants/{tenantId}/evict`, JSON_RESPONSE)
    async evict(@param.path.string('tenantId') id: string): Promise<object> {
      const tenantId = checkTenantId(id, options.tenantIdCase);
      const wasLive = this.registry.hasTenant(tenantId);
      await this.act(() => this.admin.evictTenantEverywhere(tenantId));
      const isLive = this.registry.hasTenant(tenantId);
      return {
        evicted: wasLive && !isLive,
        deferred: isLive && this.registry.isLeased(tenantId),
      };
    }

    @post(`${basePath}/api/tenants/{tenantId}/suspend`, JSON_RESPONSE)
    async suspend(@param.path.string('tenantId') id: string): Promise<object> {
      const tenantId = checkTenantId(id, options.tenantIdCase);
      await this.act(() => this.admin.suspendTenantEverywhere(tenantId));
      return {suspended: true};
    }

    @post(`${basePath}/api/tenants/{tenantId}/resume`, JSON_RESPONSE)
    async resume(@param.path.string('tenantId') id: string): Promise<object> {
      const tenantId = checkTenantId(id, options.tenantIdCase);
      await this.act(() => this.admin.resumeTenantEverywhere(tenantId));
      return {suspended: false};
    }

    /** Run an admin action; a 503 keeps its `code` and `Retry-After`. */
    private async act(action: () => Promise<void>): Promise<void> {
      try {
        await action();
      } catch (error: unknown) {
        throw toHttpError(error, this.response);
      }
    }
  }
  return TenantRegistryDashboardController;
}

/**
 * A valid id, in the case the registry keeps it (`tenantIdCase`); an invalid
 * one is not echoed: an admin page must not reflect what it was sent.
 */
function checkTenantId(
  tenantId: string,
  tenantIdCase: ResolvedTenantRegistryOptions['tenantIdCase'],
): string {
  if (!isValidTenantId(tenantId)) throw toHttpError(unshownTenantIdError());
  return tenantIdCase === 'lowercase' ? tenantId.toLowerCase() : tenantId;
}
