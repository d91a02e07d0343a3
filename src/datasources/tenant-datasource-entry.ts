// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import type {DataSourceLike} from '../bridge/juggler-shapes';
import {TenantRegistryError, tenantDataSourceUnavailableError} from '../errors';
import {evictDataSourceModels} from '../eviction/footprint-eviction';
import {isConnectionError, isPoolBusyError} from './connection-errors';
import {disconnectWithin} from './datasource-closer';
import {pgPoolOf, PgPoolWatch} from './pg-pool';

const debug = debugFactory('loopback:tenant-registry:datasource');

type Callback = (error?: unknown) => void;

interface JugglerDataSourceLike
  extends
    DataSourceLike,
    Partial<Pick<NodeJS.EventEmitter, 'on' | 'once' | 'removeListener'>> {
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
}

/**
 * One DataSource of a `TenantDataSourcePool`. Connection errors mark it broken
 * (the next request gets a new one): juggler's `error` event (unheard, an
 * uncaught exception), the pg pool's, and the connector's `after execute
 * error` hook, which also answers 503 `TENANT_DATASOURCE_UNAVAILABLE`, not
 * 500. A wait for a busy pool answers 503 but keeps the DataSource: a new one
 * would open a second pool beside the busy one.
 */
export class TenantDataSourceEntry<DS extends object = object> {
  state: 'opening' | 'open' | 'closing' | 'disconnecting' | 'closed' =
    'opening';
  /** Responses holding it. */
  checkouts = 0;
  isBroken = false;
  /** When it was last lent, in the pool's own order (not a time). */
  lastLent = 0;
  /** Why its disconnect failed, once it has. */
  failure: unknown;
  /** Resolves when it has closed; never rejects. */
  readonly closed: Promise<void>;
  private settleClosed: () => void = () => {};
  private timer: NodeJS.Timeout | undefined;
  private readonly pgPool: PgPoolWatch | undefined;

  constructor(
    readonly tenantId: string,
    readonly dataSource: DS,
    private readonly disconnectTimeout: number,
    private readonly onClosed: (entry: TenantDataSourceEntry<DS>) => void,
  ) {
    this.closed = new Promise(resolve => (this.settleClosed = resolve));
    const ds = dataSource as JugglerDataSourceLike;
    ds.on?.('error', this.markBroken);
    const pool = pgPoolOf(ds.connector);
    this.pgPool =
      pool && new PgPoolWatch(ds.connector as object, pool, this.markBroken);
    ds.connector?.observe?.('after execute error', (context, next) => {
      const error = context.error;
      if (error instanceof TenantRegistryError || !isConnectionError(error)) {
        return next();
      }
      if (!isPoolBusyError(error)) this.markBroken(error);
      next(tenantDataSourceUnavailableError(tenantId, error));
    });
  }

  get connections(): number {
    return this.pgPool?.connections ?? 0;
  }

  /** Resolves once juggler says it is connected, within `connectionTimeout`. */
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
    const timeoutMs = ds.settings?.connectionTimeout ?? 5000; // juggler's
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
      // Without `lazyConnect` it is already connecting, and juggler never
      // calls back a `connect()` made meanwhile: wait for its events.
      if (ds.connecting !== true) connect.call(ds, () => {});
    });
  }

  /** Lend it no more; disconnect when no response holds it, or at timeout. */
  close(): void {
    if (this.state !== 'opening' && this.state !== 'open') return;
    this.state = 'closing';
    if (this.checkouts === 0) return this.disconnect();
    this.timer = setTimeout(() => this.disconnect(), this.disconnectTimeout);
    this.timer.unref();
  }

  checkIn(): void {
    this.checkouts--;
    if (this.state === 'closing' && this.checkouts === 0) this.disconnect();
  }

  /** Once closed: drop its models, end its pg pool, then disconnect. */
  disconnect(): void {
    if (this.state !== 'closing') return;
    clearTimeout(this.timer);
    this.state = 'disconnecting';
    const ds = this.dataSource as JugglerDataSourceLike;
    const closed = (failure?: unknown) => {
      this.failure = failure;
      this.state = 'closed';
      this.onClosed(this);
      this.settleClosed();
    };
    disconnectWithin(async () => {
      evictDataSourceModels(ds);
      const poolEnded = this.pgPool?.end();
      await ds.disconnect?.();
      await poolEnded;
    }, this.disconnectTimeout).then(closed, (error: unknown) => {
      debug('closing the DataSource of %s failed: %s', this.tenantId, error);
      closed(error ?? new Error('disconnect failed'));
    });
  }

  private readonly markBroken = (error: unknown): void => {
    if (!this.isBroken) {
      debug('DataSource of %s broken: %s', this.tenantId, error);
    }
    this.isBroken = true;
  };
}
