// Copyright loopback4-tenant-registry contributors. MIT License.

/** Options of a {@link ModelRegistry}: the component's, same defaults. */
export interface ModelRegistryOptions {
  /**
   * Milliseconds a tenant-owned DataSource may take to disconnect on
   * eviction before it counts as failed. @defaultValue 10000
   */
  disconnectTimeout?: number;
  /**
   * Most live tenants: admitting one more evicts the least recently used
   * tenant without a lease; `Infinity` turns the cap off. @defaultValue 2000
   */
  maxTenants?: number;
  /**
   * The database's identifier limit in bytes: longer `defineTenantModel`
   * names are shortened with a hash of the tenant id. 63 is PostgreSQL's
   * (it silently cuts longer names); set 30 for Oracle before 12.2.
   * @defaultValue 63
   */
  maxIdentifierBytes?: number;
  /**
   * Milliseconds during which a used tenant is not evicted to admit a new
   * one; 0 turns the protection off. @defaultValue 60000
   */
  protectionWindow?: number;
}
