// Copyright loopback4-tenant-registry contributors. MIT License.

import {invalidOptionError} from '../errors';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';

type Settings = Pick<
  ResolvedTenantRegistryOptions,
  'schemas' | 'maxIdentifierBytes'
>;

/**
 * The tenant's schema by `schemas.schemaName`, refused (`INVALID_OPTION`)
 * when empty, over the identifier limit (PostgreSQL would cut it, and two
 * tenants could share one) or not the `schema` of the tenant's DataSource:
 * creating or dropping another schema than the one it uses is never right.
 */
export function checkedSchemaName(
  settings: Settings,
  dataSource: {settings?: {schema?: unknown}},
  tenantId: string,
): string {
  const name = settings.schemas.schemaName(tenantId);
  const maxBytes = settings.maxIdentifierBytes;
  const isText = typeof name === 'string' && name !== '';
  if (!isText || Buffer.byteLength(name) > maxBytes || name.includes('\0')) {
    const expected = `a function giving schema names of 1 to ${maxBytes} bytes`;
    throw invalidOptionError('schemas.schemaName', expected, name);
  }
  const own = dataSource.settings?.schema;
  if (own !== undefined && own !== name) {
    const expected = `the schema of the tenant's DataSource, ${JSON.stringify(own)}`;
    throw invalidOptionError('schemas.schemaName', expected, name);
  }
  return name;
}

/** An SQL identifier, quoted (any `"` doubled). */
export function quoted(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
