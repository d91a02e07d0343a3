// Copyright loopback4-tenant-registry contributors. MIT License.

import {EventEmitter} from 'node:events';
import {runInTenant} from '../context/tenant-context';
import type {TenantDataSourcePool} from '../datasources/tenant-datasource-pool';
import type {ModelRegistry} from '../registry/model-registry';
import type {StampDataSource} from './schema-stamp';

/** The parts of a tenant's juggler DataSource a migration uses. */
export interface TenantDataSource extends StampDataSource {
  settings?: {schema?: unknown};
  autoupdate(models: string[]): Promise<unknown>;
}

type Registry = Pick<ModelRegistry, 'hasTenant' | 'isLeased' | 'evictTenant'>;

/** Holds the tenant's DataSource in the pool until `close()`. */
class MigrationHolder extends EventEmitter {
  closed = false;
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

/**
 * `fn` with the tenant's DataSource from the pool (a slot of `maxOpen`),
 * inside the tenant: its lease keeps it from being evicted meanwhile. A
 * DataSource opened for this goes after, so that migrating a fleet does not
 * push traffic's idle tenants out of the pool.
 */
export async function withTenantDataSource<T>(
  registry: Registry,
  pool: Pick<TenantDataSourcePool, 'get'>,
  tenantId: string,
  fn: (dataSource: TenantDataSource) => Promise<T>,
): Promise<T> {
  const holder = new MigrationHolder();
  const wasLive = registry.hasTenant(tenantId);
  try {
    return await runInTenant(tenantId, async () =>
      fn((await pool.get(tenantId, holder)) as TenantDataSource),
    );
  } finally {
    holder.close();
    if (!wasLive && !registry.isLeased(tenantId)) {
      registry.evictTenant(tenantId, 'manual');
    }
  }
}
