// Copyright loopback4-tenant-registry contributors. MIT License.

import type {DataSourceLike} from '../bridge/juggler-shapes';
import {getEffectiveScope, GLOBAL_TENANT} from '../context/tenant-context';
import {TenantRegistryError, tenantDataSourceUnavailableError} from '../errors';
import {isConnectionError, isPoolBusyError} from './connection-errors';
import {pgPoolOf, PgPoolWatch} from './pg-pool';

type Callback = (error?: unknown) => void;

/** The parts of a juggler DataSource the watch listens on. */
export interface WatchedDataSource
  extends
    DataSourceLike,
    Partial<Pick<NodeJS.EventEmitter, 'on' | 'once' | 'removeListener'>> {
  connector?: DataSourceLike['connector'] & {
    observe?: (
      operation: string,
      hook: (context: {error?: unknown}, next: Callback) => void,
    ) => void;
  };
}

/** A pool entry lending the DataSource: told when the DataSource breaks. */
export interface DataSourceUser {
  readonly tenantId: string;
  markBroken(error: unknown): void;
}

const watches = new WeakMap<object, DataSourceWatch>();

/** The one watch of a DataSource, made on first use. */
export function watchDataSource(dataSource: object): DataSourceWatch {
  let watch = watches.get(dataSource);
  if (watch === undefined) {
    watch = new DataSourceWatch(dataSource as WatchedDataSource);
    watches.set(dataSource, watch);
  }
  return watch;
}

/**
 * The package's listeners on one DataSource, added once for its life
 * however often the pool opens it again (a DataSource the application owns
 * comes back from the factory after every eviction) and passed on to the
 * entries lending it now. Connection errors mark them broken: juggler's
 * `error` event (unheard, an uncaught exception), the pg pool's and its
 * clients', and the connector's `after execute error` hook, which also
 * answers 503 `TENANT_DATASOURCE_UNAVAILABLE`, not 500. A wait for a busy
 * pool answers 503 but breaks nothing: a new DataSource would open a second
 * pool beside the busy one. While no entry lends it, errors pass untouched.
 */
export class DataSourceWatch {
  /** The entries lending it, oldest first. */
  readonly users = new Set<DataSourceUser>();
  private readonly pgPools = new WeakMap<object, PgPoolWatch>();

  constructor(private readonly dataSource: WatchedDataSource) {
    dataSource.on?.('error', this.markBroken);
    dataSource.connector?.observe?.('after execute error', (context, next) => {
      const error = context.error;
      const user = this.userInScope();
      if (
        user === undefined ||
        error instanceof TenantRegistryError ||
        !isConnectionError(error)
      ) {
        return next();
      }
      if (!isPoolBusyError(error)) this.markBroken(error);
      next(tenantDataSourceUnavailableError(user.tenantId, error));
    });
  }

  /** The watch of its connector's pg pool now (one per pool), if any. */
  pgPool(): PgPoolWatch | undefined {
    const {connector} = this.dataSource;
    const pool = pgPoolOf(connector);
    if (pool === undefined) return undefined;
    let watch = this.pgPools.get(pool);
    if (watch === undefined) {
      watch = new PgPoolWatch(connector as object, pool, this.markBroken);
      this.pgPools.set(pool, watch);
    }
    return watch;
  }

  private readonly markBroken = (error: unknown): void => {
    for (const user of this.users) user.markBroken(error);
  };

  // Several tenants may share a DataSource: the entry of the tenant asking,
  // never another tenant's; outside a tenant, the oldest.
  private userInScope(): DataSourceUser | undefined {
    const scope = getEffectiveScope();
    for (const user of this.users) {
      if (user.tenantId === scope || scope === GLOBAL_TENANT) return user;
    }
    return undefined;
  }
}
