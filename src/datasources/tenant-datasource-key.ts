// Copyright loopback4-tenant-registry contributors. MIT License.

import type {Context} from '@loopback/core';
import {tenantDataSourceKeyTakenError} from '../errors';
import {TenantRegistryBindings as keys} from '../keys';

/** The tag of the component's own binding at `TENANT_DATASOURCE`. @internal */
export const TENANT_DATASOURCE_TAG = 'tenant-registry.tenant-datasource';

/**
 * Throws `TENANT_DATASOURCE_KEY_TAKEN` when the application bound a value of
 * its own at `datasources.tenant`. @internal
 *
 * @remarks
 * `TENANT_DATASOURCE` is `datasources.tenant` on purpose: LB4 resolves
 * `@repository(Model, 'tenant')` and `@inject('datasources.tenant')` there.
 * An application DataSource named `tenant` (`app.dataSource(ds, 'tenant')`,
 * a booted class whose `dataSourceName` is `tenant`) would take the key, or
 * lose it to the component, silently.
 */
export function checkTenantDataSourceKey(context: Context): void {
  const binding = context.getBinding(keys.TENANT_DATASOURCE, {optional: true});
  if (
    binding !== undefined &&
    !binding.tagNames.includes(TENANT_DATASOURCE_TAG)
  ) {
    throw tenantDataSourceKeyTakenError(keys.TENANT_DATASOURCE.key);
  }
}
