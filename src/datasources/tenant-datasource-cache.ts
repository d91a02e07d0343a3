// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {tenantDataSourceUnavailableError} from '../errors';
import type {ModelRegistry} from '../registry/model-registry';

const debug = debugFactory('loopback:tenant-registry:datasource');

/**
 * Creates a tenant's DataSource, typically from a configuration template
 * with the tenant's database, schema or credentials filled in.
 *
 * @example
 * ```ts
 * const factory: TenantDataSourceFactory = tenantId =>
 *   new juggler.DataSource({...dbConfig, database: `shop_${tenantId}`});
 * ```
 */
export type TenantDataSourceFactory<DS extends object = object> = (
  tenantId: string,
) => DS | Promise<DS>;

/**
 * One DataSource per tenant, created on first use, at most once even under
 * concurrent first requests (single flight), and released with the tenant.
 *
 * @remarks
 * Each DataSource is tracked with `registry.trackDataSource()`, so evicting
 * the tenant drops its models, disconnects it (bounded by
 * `disconnectTimeout`) and forgets it here; the next request creates a new
 * one. A failed creation is not cached: the next request tries again.
 *
 * @internal
 */
export class TenantDataSourceCache<DS extends object = object> {
  private readonly created = new Map<string, DS>();
  private readonly creating = new Map<string, Promise<DS>>();
  private creations = 0;
  private failures = 0;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly factory: TenantDataSourceFactory<DS>,
  ) {
    registry.on('tenantEvicted', ({tenantId}) => this.forget(tenantId));
  }

  /**
   * The tenant's DataSource, created on first use.
   *
   * @param tenantId - A validated tenant id.
   * @throws TenantRegistryError `TENANT_DATASOURCE_UNAVAILABLE` when the
   * factory fails.
   */
  get(tenantId: string): Promise<DS> {
    const existing = this.created.get(tenantId);
    if (existing !== undefined) return Promise.resolve(existing);
    let pending = this.creating.get(tenantId);
    if (pending === undefined) {
      pending = this.create(tenantId);
      this.creating.set(tenantId, pending);
    }
    return pending;
  }

  /** DataSources created and creation failures, since start. */
  getStats(): {live: number; creations: number; failures: number} {
    return {
      live: this.created.size,
      creations: this.creations,
      failures: this.failures,
    };
  }

  private async create(tenantId: string): Promise<DS> {
    try {
      const dataSource = await this.factory(tenantId);
      this.creations++;
      this.created.set(tenantId, dataSource);
      this.registry.trackDataSource(tenantId, dataSource);
      return dataSource;
    } catch (error: unknown) {
      this.failures++;
      debug('creating the DataSource of %s failed: %s', tenantId, error);
      throw tenantDataSourceUnavailableError(tenantId, error);
    } finally {
      this.creating.delete(tenantId);
    }
  }

  private forget(tenantId: string): void {
    this.created.delete(tenantId);
  }
}
