// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject, injectable, type Provider} from '@loopback/core';
import {RestBindings, type Response} from '@loopback/rest';
import {getCurrentTenant} from '../context/tenant-context';
import type {TenantDataSourcePool} from '../datasources/tenant-datasource-pool';
import {tenantRequiredError} from '../errors';
import {TenantRegistryBindings} from '../keys';
import {toHttpError} from '../request/http-errors';

/**
 * The current tenant's DataSource, held until the response closes; without a
 * tenant, `DEFAULT_DATASOURCE` or 400 `TENANT_REQUIRED`.
 */
@injectable()
export class TenantDataSourceProvider implements Provider<object> {
  constructor(
    @inject(TenantRegistryBindings.DATASOURCE_POOL)
    private readonly pool: TenantDataSourcePool,
    @inject(TenantRegistryBindings.DEFAULT_DATASOURCE, {optional: true})
    private readonly defaultDataSource?: object,
    @inject(RestBindings.Http.RESPONSE, {optional: true})
    private readonly response?: Response,
  ) {}

  async value(): Promise<object> {
    const tenantId = getCurrentTenant();
    if (tenantId === undefined) {
      if (this.defaultDataSource !== undefined) return this.defaultDataSource;
      throw toHttpError(tenantRequiredError());
    }
    try {
      return await this.pool.get(tenantId, this.response);
    } catch (error: unknown) {
      // 503 TENANT_DATASOURCE_UNAVAILABLE, with Retry-After.
      throw toHttpError(error, this.response);
    }
  }
}
