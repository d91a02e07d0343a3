// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {evictDataSourceModels} from '../eviction/footprint-eviction';
import {disconnectWithin} from './datasource-closer';
import {
  watchDataSource,
  type DataSourceUser,
  type DataSourceWatch,
  type WatchedDataSource,
} from './datasource-watch';
import type {PgPoolWatch} from './pg-pool';

const debug = debugFactory('loopback:tenant-registry:datasource');

type Callback = (error?: unknown) => void;

interface JugglerDataSourceLike extends WatchedDataSource {
  connected?: boolean;
  connecting?: boolean;
  settings?: {connectionTimeout?: number};
  connect?: (callback: Callback) => unknown;
}

/**
 * One DataSource of a `TenantDataSourcePool`, lent from `open` until
 * `close`. Its DataSource's watch marks it broken on a connection error (the
 * next request gets a new one). Closing it drops the DataSource's models;
 * one the pool owns is also disconnected, with its pg pool ended. Both wait
 * while another entry still lends the same DataSource (the factory returned
 * it again): the last one to close releases it.
 */
export class TenantDataSourceEntry<
  DS extends object = object,
> implements DataSourceUser {
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
  private readonly watch: DataSourceWatch;
  private readonly pgPool: PgPoolWatch | undefined;

  /** `isOwned`: the pool disconnects it; else it only drops its models. */
  constructor(
    readonly tenantId: string,
    readonly dataSource: DS,
    private readonly isOwned: boolean,
    private readonly disconnectTimeout: number,
    private readonly onClosed: (entry: TenantDataSourceEntry<DS>) => void,
  ) {
    this.closed = new Promise(resolve => (this.settleClosed = resolve));
    this.watch = watchDataSource(dataSource);
    this.watch.users.add(this);
    this.pgPool = this.watch.pgPool();
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

  /**
   * Once closed: drop its models, then, if owned, end its pg pool and
   * disconnect; nothing while another entry lends the DataSource.
   */
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
    this.watch.users.delete(this);
    const isLentStill = this.watch.users.size > 0;
    disconnectWithin(async () => {
      if (isLentStill) return;
      evictDataSourceModels(ds);
      if (!this.isOwned) return;
      const poolEnded = this.pgPool?.end();
      await ds.disconnect?.();
      await poolEnded;
    }, this.disconnectTimeout).then(closed, (error: unknown) => {
      debug('closing the DataSource of %s failed: %s', this.tenantId, error);
      closed(error ?? new Error('disconnect failed'));
    });
  }

  markBroken(error: unknown): void {
    if (!this.isBroken) {
      debug('DataSource of %s broken: %s', this.tenantId, error);
    }
    this.isBroken = true;
  }
}
