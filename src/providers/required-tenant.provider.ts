// Copyright loopback4-tenant-registry contributors. MIT License.

import {injectable, BindingScope, type Provider} from '@loopback/core';
import {getCurrentTenant} from '../context/tenant-context';
import {tenantRequiredError} from '../errors';
import {toHttpError} from '../request/http-errors';

/**
 * The current tenant id, or 400 `TENANT_REQUIRED` (`REQUIRED_TENANT`).
 *
 * @internal
 */
@injectable({scope: BindingScope.TRANSIENT})
export class RequiredTenantProvider implements Provider<string> {
  value(): string {
    const tenantId = getCurrentTenant();
    if (tenantId === undefined) throw toHttpError(tenantRequiredError());
    return tenantId;
  }
}
