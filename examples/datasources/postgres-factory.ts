// Copyright loopback4-tenant-registry contributors. MIT License.

// The PostgreSQL factory docs/datasources.md shows, compiled by the build and
// run against a real server by test/acceptance/postgres-names.acceptance.ts.

import {juggler} from '@loopback/repository';
import {
  tenantIdentifier,
  type TenantDataSourceFactory,
} from 'loopback4-tenant-registry';

/** Where the tenants' database is, and as whom to connect. */
export interface PostgresConfig {
  host: string;
  port: number;
  user: string;
  password?: string;
  /** The database that holds every tenant's schema. */
  database: string;
}

/** A DataSource per tenant, each on a schema of its own. */
export function schemaPerTenant(
  config: PostgresConfig,
): TenantDataSourceFactory<juggler.DataSource> {
  return tenantId =>
    new juggler.DataSource({
      name: `db:${tenantId}`,
      connector: 'postgresql',
      ...config,
      // `tenant_acme`; at most 63 bytes (PostgreSQL cuts longer names), and
      // distinct ids never share one. A database each instead:
      // `database: tenantIdentifier('shop', tenantId)`.
      schema: tenantIdentifier('tenant', tenantId),
      lazyConnect: true, // the package connects and checks it
      max: 2, // pool size: see sizing
      connectionTimeoutMillis: 2000, // fail fast when the server is unreachable
      idleTimeoutMillis: 30000,
      // pg_stat_activity shows who (node-postgres' name for the setting):
      // eslint-disable-next-line @typescript-eslint/naming-convention
      application_name: `tenant:${tenantId}`,
    });
}
