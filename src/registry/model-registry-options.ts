// Copyright loopback4-tenant-registry contributors. MIT License.

import type {Clock} from './clock';

/** Options of a {@link ModelRegistry}. */
export interface ModelRegistryOptions {
  /** Time source for `lastAccessed`. @defaultValue `Date` */
  clock?: Clock;
  /**
   * How long a tenant-owned DataSource may take to disconnect on eviction,
   * in milliseconds, before it is counted as failed. @defaultValue 10000
   */
  disconnectTimeout?: number;
  /**
   * Most live tenants: admitting one more first evicts the least recently
   * used tenant that is not busy (see `admitTenant`). @defaultValue `Infinity`
   */
  maxTenants?: number;
  /**
   * The target database's identifier limit, in bytes: `defineTenantModel`
   * names longer than this are shortened with a hash of the tenant id (see
   * `tenantIdentifier`). 63 is PostgreSQL's limit (it silently cuts longer
   * names) and fits MySQL (64), SQL Server and Oracle 12.2+ (128); set 30
   * for Oracle before 12.2. @defaultValue 63
   */
  maxIdentifierBytes?: number;
  /**
   * Milliseconds during which a used tenant is not evicted to admit a new
   * one. @defaultValue 0
   */
  protectionWindow?: number;
}
