// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject, type ControllerClass} from '@loopback/core';
import {
  get,
  oas,
  OperationVisibility,
  param,
  post,
  Request,
  Response,
  RestBindings,
  HttpErrors,
} from '@loopback/rest';
import {TenantRegistryBindings} from '../keys';
import {checkHealth} from '../observability/tenant-health';
import type {RegistryManager} from '../observers/registry-manager.observer';
import type {ModelRegistry} from '../registry/model-registry';
import {isValidTenantId} from '../resolution/tenant-id';
import type {ResolvedTenantRegistryOptions} from '../types';
import {authorizeDashboard} from './dashboard-auth';
import {renderDashboardPage} from './dashboard-page';

const JSON_RESPONSE = {
  responses: {
    '200': {
      description: 'ok',
      content: {'application/json': {schema: {type: 'object' as const}}},
    },
  },
};
const TOP = 10;

/**
 * The operator dashboard and its admin endpoints, under `basePath`: the page,
 * `GET api/stats`, `POST api/cleanup` and `POST api/tenants/{tenantId}/evict`.
 * Hidden from the OpenAPI spec; every route needs the configured token or
 * authorizer.
 *
 * @param basePath - `dashboard.path`.
 * @returns A controller class for `app.controller()`.
 */
export function createDashboardController(basePath: string): ControllerClass {
  @oas.visibility(OperationVisibility.UNDOCUMENTED)
  class TenantRegistryDashboardController {
    constructor(
      @inject(RestBindings.Http.REQUEST) private readonly request: Request,
      @inject(RestBindings.Http.RESPONSE) private readonly response: Response,
      @inject(TenantRegistryBindings.REGISTRY)
      private readonly registry: ModelRegistry,
      @inject(TenantRegistryBindings.REGISTRY_MANAGER)
      private readonly manager: RegistryManager,
      @inject(TenantRegistryBindings.OPTIONS)
      private readonly options: ResolvedTenantRegistryOptions,
    ) {}

    @get(basePath, JSON_RESPONSE)
    async page(): Promise<Response> {
      await authorizeDashboard(this.request, this.options.dashboard, true);
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
    async stats(): Promise<object> {
      await authorizeDashboard(this.request, this.options.dashboard, false);
      const now = this.options.clock.now();
      const tenants = this.registry.getTenantRegistryInfo().map(info => ({
        tenantId: info.tenantId,
        models: info.models + info.namedModels,
        idleMs: Math.max(0, now - info.lastAccessed),
        isLeased: info.isLeased,
      }));
      return {
        health: checkHealth(this.registry.getStats(), this.options.health),
        topByModels: [...tenants]
          .sort((a, b) => b.models - a.models)
          .slice(0, TOP),
        topByIdle: [...tenants]
          .sort((a, b) => b.idleMs - a.idleMs)
          .slice(0, TOP),
      };
    }

    @post(`${basePath}/api/cleanup`, JSON_RESPONSE)
    async cleanup(): Promise<object> {
      await authorizeDashboard(this.request, this.options.dashboard, false);
      return {evicted: this.manager.forceCleanup()};
    }

    @post(`${basePath}/api/tenants/{tenantId}/evict`, JSON_RESPONSE)
    async evict(
      @param.path.string('tenantId') tenantId: string,
    ): Promise<object> {
      await authorizeDashboard(this.request, this.options.dashboard, false);
      checkTenantId(tenantId);
      const wasLive = this.registry.tenantIds().includes(tenantId);
      await this.manager.evictTenantEverywhere(tenantId);
      const isLive = this.registry.tenantIds().includes(tenantId);
      return {
        evicted: wasLive && !isLive,
        deferred: isLive && this.registry.isLeased(tenantId),
      };
    }

    @post(`${basePath}/api/tenants/{tenantId}/suspend`, JSON_RESPONSE)
    async suspend(
      @param.path.string('tenantId') tenantId: string,
    ): Promise<object> {
      await authorizeDashboard(this.request, this.options.dashboard, false);
      await this.manager.suspendTenant(checkTenantId(tenantId));
      return {suspended: true};
    }

    @post(`${basePath}/api/tenants/{tenantId}/resume`, JSON_RESPONSE)
    async resume(
      @param.path.string('tenantId') tenantId: string,
    ): Promise<object> {
      await authorizeDashboard(this.request, this.options.dashboard, false);
      await this.manager.resumeTenant(checkTenantId(tenantId));
      return {suspended: false};
    }
  }
  return TenantRegistryDashboardController;
}

function checkTenantId(tenantId: string): string {
  if (!isValidTenantId(tenantId)) {
    throw Object.assign(new HttpErrors.BadRequest('Invalid tenant id.'), {
      code: 'INVALID_TENANT_ID',
    });
  }
  return tenantId;
}
