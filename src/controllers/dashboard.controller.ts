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
import {checkHealth} from '../observability/tenant-health';
import type {RegistryManager} from '../observers/registry-manager.observer';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';
import type {ModelRegistry} from '../registry/model-registry';
import type {TenantRegistryInfo} from '../registry/registry-stats';
import {toHttpError} from '../request/http-errors';
import type {TenantSchemas} from '../schemas/tenant-schemas.service';
import type {TenantAdminService} from '../services/tenant-admin.service';
import {authorizeDashboard} from './dashboard-auth';
import {renderDashboardPage} from './dashboard-page';

/** Rows in each of the dashboard's top lists. */
const TOP = 10;

/** `api/stats`, in O(rows shown): the page polls it every 2 s. @internal */
export function dashboardStats(
  registry: ModelRegistry,
  manager: Pick<RegistryManager, 'getStats'>,
  options: Pick<ResolvedTenantRegistryOptions, 'health'>,
  schemas?: Pick<TenantSchemas, 'status' | 'tenantsBehind'>,
) {
  const now = registry.clock.now();
  const row = (info: TenantRegistryInfo) => ({
    tenantId: info.tenantId,
    models: info.models + info.namedModels,
    idleMs: Math.max(0, now - info.lastAccessed),
    isLeased: info.isLeased,
  });
  return {
    health: checkHealth(manager.getStats(), options.health),
    topByModels: registry
      .getTenantRegistryInfo({orderBy: 'models', limit: TOP})
      .map(row),
    topByIdle: registry.getTenantRegistryInfo({limit: TOP}).map(row),
    schemas: schemasBehind(schemas),
  };
}

/** Schema migration counts and the first ids of the failed and locked tenants. */
function schemasBehind(
  schemas?: Pick<TenantSchemas, 'status' | 'tenantsBehind'>,
) {
  const none = {results: {}, migrating: 0, failed: 0, locked: 0};
  const {failed, locked} = schemas?.tenantsBehind() ?? {failed: [], locked: []};
  return {
    ...(schemas?.status() ?? none),
    failedTenants: failed,
    lockedTenants: locked,
  };
}

/** The operator dashboard and its API under `dashboard.path`. @internal */
export function createDashboardController(
  options: ResolvedTenantRegistryOptions,
): ControllerClass {
  const basePath = options.dashboard.path;
  const tenantPath = `${basePath}/api/tenants/{tenantId}`;

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
      @inject(TenantRegistryBindings.TENANT_SCHEMAS, {optional: true})
      private readonly schemas?: TenantSchemas,
    ) {}

    @get(basePath)
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

    @get(`${basePath}/api/stats`)
    stats(): object {
      return dashboardStats(this.registry, this.manager, options, this.schemas);
    }

    @post(`${basePath}/api/evict-all`)
    async evictAll(): Promise<object> {
      // In slices: the instance keeps serving while it evicts.
      return {evicted: await this.manager.evictAllTenantsInSlices()};
    }

    @post(`${tenantPath}/evict`)
    async evict(@param.path.string('tenantId') id: string): Promise<object> {
      const tenantId = checkTenantId(id, options);
      const wasLive = this.registry.hasTenant(tenantId);
      await this.act(this.admin.evictTenantEverywhere(tenantId));
      const isLive = this.registry.hasTenant(tenantId);
      return {
        evicted: wasLive && !isLive,
        deferred: isLive && this.registry.isLeased(tenantId),
      };
    }

    @post(`${tenantPath}/suspend`)
    async suspend(@param.path.string('tenantId') id: string): Promise<object> {
      const tenantId = checkTenantId(id, options);
      await this.act(this.admin.suspendTenantEverywhere(tenantId));
      return {suspended: true};
    }

    @post(`${tenantPath}/resume`)
    async resume(@param.path.string('tenantId') id: string): Promise<object> {
      const tenantId = checkTenantId(id, options);
      await this.act(this.admin.resumeTenantEverywhere(tenantId));
      return {suspended: false};
    }

    /** A 503 keeps its `code` and `Retry-After`. */
    private async act(action: Promise<void>): Promise<void> {
      try {
        await action;
      } catch (error: unknown) {
        throw toHttpError(error, this.response);
      }
    }
  }
  return TenantRegistryDashboardController;
}

/** A valid id in the registry's case; an invalid one is never echoed. */
function checkTenantId(
  tenantId: string,
  {tenantIdCase}: Pick<ResolvedTenantRegistryOptions, 'tenantIdCase'>,
): string {
  if (!isValidTenantId(tenantId)) throw toHttpError(unshownTenantIdError());
  return tenantIdCase === 'lowercase' ? tenantId.toLowerCase() : tenantId;
}
