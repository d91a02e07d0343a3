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
   * Milliseconds during which a used tenant is not evicted to admit a new
   * one. @defaultValue 0
   */
  protectionWindow?: number;
}
