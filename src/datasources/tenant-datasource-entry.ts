// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {TenantRegistryError, tenantDataSourceUnavailableError} from '../errors';
import {releaseDataSourceModels} from '../eviction/footprint-release';
import type {DataSourceLike} from '../bridge/juggler-shapes';
import {isConnectionError, isPoolBusyError} from './connection-errors';
import {pgPoolOf, PgPoolWatch} from './pg-pool';

const debug = debugFactory('loopback:tenant-registry:datasource');

/**
 * Where a tenant DataSource is in its life: `opening` (factory and connect
 * check), `open` (handed out), `retired` (no longer handed out, waiting for
 * the requests that hold it), `closing`, `closed`.
 */
export type TenantDataSourceState =
  'opening' | 'open' | 'retired' | 'closing' | 'closed';

type Callback = (error?: unknown) => void;

/** The parts of a juggler DataSource used here; all optional. */
interface JugglerDataSourceLike extends DataSourceLike {
  connected?: boolean;
  connecting?: boolean;
  settings?: {connectionTimeout?: number};
  connector?: DataSourceLike['connector'] & {
    observe?: (
      operation: string,
      hook: (context: {error?: unknown}, next: Callback) => void,
    ) => void;
  };
  connect?: (callback: Callback) => unknown;
  on?: (event: string, listener: (error: unknown) => void) => unknown;
  once?: (event: string, listener: Callback) => unknown;
  removeListener?: (event: string, listener: Callback) => unknown;
}

/** juggler's own default for `connectionTimeout` (`queueInvocation`). */
const DEFAULT_CONNECTION_TIMEOUT = 5000;

/**
 * One tenant DataSource and what the cache knows about it: its state, the
 * requests holding it, whether a connection error was seen on it.
 *
 * @remarks
 * It watches three sources of connection errors, which mark it broken (the
 * next request gets a new one): juggler's `error` event on the DataSource
 * (a failed connect; without a listener it would be an uncaught
 * exception), the `error` events of the pg pool and of each of its clients
 * (see {@link PgPoolWatch}), and the connector's `after execute error`
 * hook, which also replaces a connection error with 503
 * `TENANT_DATASOURCE_UNAVAILABLE` (the original kept as `cause`) so that a
 * query that loses its database answers 503, not 500. A request that timed
 * out waiting for a busy pool gets that 503 too, but leaves the DataSource
 * in service: replacing it would open a second pool beside the busy one.
 * Other errors pass through untouched.
 *
 * @internal
 */
export class TenantDataSourceEntry<DS extends object = object> {
  state: TenantDataSourceState = 'opening';
  /** Requests holding it (until their response closes). */
  checkouts = 0;
  /** A connection error was seen: do not hand it out again. */
  isBroken = false;
  /** When it was last handed out, in the cache's own order (not a time). */
  lastLent = 0;
  /** Closes a retired entry whose requests did not finish in time. */
  retireTimer: NodeJS.Timeout | undefined;
  /** What the registry tracks for the tenant; see `handle`. */
  readonly handle: DataSourceLike;
  /** Settles when it has closed; rejects when closing failed or timed out. */
  readonly closed: Promise<void>;
  private settleClosed: (error?: unknown) => void = () => {};
  private readonly pool: PgPoolWatch | undefined;

  /**
   * @param tenantId - The owning tenant.
   * @param dataSource - What the factory returned.
   * @param retire - Called when the registry disconnects `handle`.
   */
  constructor(
    readonly tenantId: string,
    readonly dataSource: DS,
    retire: () => Promise<void>,
  ) {
    this.closed = new Promise<void>((resolve, reject) => {
      this.settleClosed = error =>
        error === undefined ? resolve() : reject(error);
    });
    this.closed.catch(() => {});
    const ds = dataSource as JugglerDataSourceLike;
    const broken = (error: unknown) => this.markBroken(error);
    ds.on?.('error', broken);
    const pool = pgPoolOf(ds.connector);
    this.pool = pool && new PgPoolWatch(ds.connector as object, pool, broken);
    ds.connector?.observe?.('after execute error', (context, next) => {
      const error = context.error;
      if (error instanceof TenantRegistryError || !isConnectionError(error)) {
        return next();
      }
      if (!isPoolBusyError(error)) this.markBroken(error);
      next(tenantDataSourceUnavailableError(tenantId, error));
    });
    // The registry releases a tenant's DataSources on eviction: it sees this
    // handle, so its disconnect goes through the cache, which knows when the
    // pool has really closed and frees the slot then.
    this.handle = {
      get modelBuilder() {
        return ds.modelBuilder;
      },
      get connector() {
        return ds.connector;
      },
      disconnect: retire,
    };
  }

  /** Open connections of its pg pool (0 for other connectors). */
  get connections(): number {
    return this.pool?.connections ?? 0;
  }

  /**
   * Make sure it can reach its database: resolve when juggler says it is
   * connected, reject on a connect error or after the DataSource's
   * `connectionTimeout` (juggler's setting, default 5000 ms).
   */
  connect(): Promise<void> {
    const ds = this.dataSource as JugglerDataSourceLike;
    const {connect, once, removeListener} = ds;
    if (typeof connect !== 'function' || ds.connected === true) {
      return Promise.resolve();
    }
    if (once === undefined || removeListener === undefined) {
      return new Promise((resolve, reject) =>
        connect.call(ds, error => (error ? reject(error) : resolve())),
      );
    }
    const timeoutMs =
      ds.settings?.connectionTimeout ?? DEFAULT_CONNECTION_TIMEOUT;
    return new Promise((resolve, reject) => {
      const connected = () => finish();
      const finish: Callback = error => {
        clearTimeout(timer);
        removeListener.call(ds, 'connected', connected);
        removeListener.call(ds, 'error', finish);
        if (error === undefined) resolve();
        else reject(error);
      };
      const timer = setTimeout(
        () => finish(new Error(`Timeout in connecting after ${timeoutMs} ms`)),
        timeoutMs,
      );
      timer.unref();
      once.call(ds, 'connected', connected);
      once.call(ds, 'error', finish);
      // A DataSource built without `lazyConnect` is already connecting, and
      // juggler never calls back a `connect()` made meanwhile: wait for its
      // events instead.
      if (ds.connecting !== true) connect.call(ds, () => {});
    });
  }

  /**
   * Close it (see `disconnect`), bounded by `timeoutMs`, and settle
   * `closed`.
   *
   * @returns A promise that resolves when done, even on failure.
   */
  close(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`disconnect timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      timer.unref();
    });
    return Promise.race([this.disconnect(), timeout]).then(
      () => {
        clearTimeout(timer);
        this.settleClosed();
      },
      (error: unknown) => {
        clearTimeout(timer);
        debug('closing the DataSource of %s failed: %s', this.tenantId, error);
        this.settleClosed(error);
      },
    );
  }

  /**
   * Close it: drop its models, end its pg pool (waiting for the sockets),
   * then juggler's `disconnect()`.
   */
  private async disconnect(): Promise<void> {
    const ds = this.dataSource as JugglerDataSourceLike;
    releaseDataSourceModels(ds);
    const ended = this.pool?.end();
    await ds.disconnect?.();
    await ended;
  }

  private markBroken(error: unknown): void {
    if (!this.isBroken) {
      debug('DataSource of %s broken: %s', this.tenantId, error);
    }
    this.isBroken = true;
  }
}
