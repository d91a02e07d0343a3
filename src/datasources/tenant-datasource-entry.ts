// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import type {DataSourceLike} from '../bridge/juggler-shapes';
import {TenantRegistryError, tenantDataSourceUnavailableError} from '../errors';
import {evictDataSourceModels} from '../eviction/footprint-eviction';
import {isConnectionError, isPoolBusyError} from './connection-errors';
import {disconnectWithin} from './datasource-closer';
import {pgPoolOf, PgPoolWatch} from './pg-pool';

const debug = debugFactory('loopback:tenant-registry:datasource');

/**
 * Where a tenant DataSource is in its life: `opening` (factory and connect
 * check), `open` (lent to requests), `closing` (lent no more, waiting for the
 * responses that hold it), `disconnecting`, `closed`.
 */
export type TenantDataSourceState =
  'opening' | 'open' | 'closing' | 'disconnecting' | 'closed';

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
 * One DataSource of a `TenantDataSourcePool`: its state, the responses
 * holding it, whether a connection error was seen on it.
 *
 * @remarks
 * Three sources of connection errors mark it broken (the next request gets
 * a new one): juggler's `error` event on the DataSource (a failed connect;
 * without a listener it would be an uncaught exception), the `error` events
 * of its pg pool and of each of its clients ({@link PgPoolWatch}), and the
 * connector's `after execute error` hook, which also turns the error into
 * 503 `TENANT_DATASOURCE_UNAVAILABLE` (the original kept as `cause`) so that
 * a query that loses its database answers 503, not 500. A wait for a busy
 * pool answers that 503 too but leaves the DataSource in service: replacing
 * it would open a second pool beside the busy one.
 *
 * @internal
 */
export class TenantDataSourceEntry<DS extends object = object> {
  state: TenantDataSourceState = 'opening';
  /** Responses holding it (until they close). */
  checkouts = 0;
  /** A connection error was seen: do not lend it again. */
  isBroken = false;
  /** When it was last lent, in the pool's own order (not a time). */
  lastLent = 0;
  /** Why its disconnect failed or timed out, once it has. */
  failure: unknown;
  /** Resolves when it has closed (see `failure`); never rejects. */
  readonly closed: Promise<void>;
  private settleClosed: () => void = () => {};
  private holdTimer: NodeJS.Timeout | undefined;
  private readonly pgPool: PgPoolWatch | undefined;

  /**
   * @param tenantId - The owning tenant.
   * @param dataSource - What the factory returned.
   * @param disconnectTimeout - Milliseconds it waits for the responses
   * holding it once closed, and then its disconnect may take.
   * @param onClosed - Told when it has closed (its slot is free).
   */
  constructor(
    readonly tenantId: string,
    readonly dataSource: DS,
    private readonly disconnectTimeout: number,
    private readonly onClosed: (entry: TenantDataSourceEntry<DS>) => void,
  ) {
    this.closed = new Promise(resolve => (this.settleClosed = resolve));
    const ds = dataSource as JugglerDataSourceLike;
    const broken = (error: unknown) => this.markBroken(error);
    ds.on?.('error', broken);
    const pool = pgPoolOf(ds.connector);
    this.pgPool = pool && new PgPoolWatch(ds.connector as object, pool, broken);
    ds.connector?.observe?.('after execute error', (context, next) => {
      const error = context.error;
      if (error instanceof TenantRegistryError || !isConnectionError(error)) {
        return next();
      }
      if (!isPoolBusyError(error)) this.markBroken(error);
      next(tenantDataSourceUnavailableError(tenantId, error));
    });
  }

  /** Open connections of its pg pool (0 for other connectors). */
  get connections(): number {
    return this.pgPool?.connections ?? 0;
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
   * Close it: lend it no more, and disconnect it once no response holds it
   * (or after `disconnectTimeout`). Idempotent; `closed` tells the end.
   */
  close(): void {
    if (this.state !== 'opening' && this.state !== 'open') return;
    this.state = 'closing';
    if (this.checkouts === 0) return this.disconnect();
    this.holdTimer = setTimeout(
      () => this.disconnect(),
      this.disconnectTimeout,
    );
    this.holdTimer.unref();
  }

  /** A response holding it has closed. */
  checkIn(): void {
    this.checkouts--;
    if (this.state === 'closing' && this.checkouts === 0) this.disconnect();
  }

  /**
   * Once closed, disconnect now without waiting for the responses holding
   * it: drop its models, end its pg pool (waiting for the sockets), then
   * juggler's `disconnect()`, all within `disconnectTimeout`.
   */
  disconnect(): void {
    if (this.state !== 'closing') return;
    clearTimeout(this.holdTimer);
    this.state = 'disconnecting';
    const ds = this.dataSource as JugglerDataSourceLike;
    const ended = (failure?: unknown) => {
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
    }, this.disconnectTimeout).then(ended, (error: unknown) => {
      debug('closing the DataSource of %s failed: %s', this.tenantId, error);
      ended(error ?? new Error('disconnect failed'));
    });
  }

  private markBroken(error: unknown): void {
    if (!this.isBroken) {
      debug('DataSource of %s broken: %s', this.tenantId, error);
    }
    this.isBroken = true;
  }
}
