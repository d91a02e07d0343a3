// Copyright loopback4-tenant-registry contributors. MIT License.

/**
 * Creates a tenant's DataSource, typically from a configuration template
 * with the tenant's database, schema or credentials filled in.
 *
 * @example
 * ```ts
 * const factory: TenantDataSourceFactory = tenantId =>
 *   new juggler.DataSource({
 *     ...dbConfig,
 *     database: tenantIdentifier('shop', tenantId), // shop_acme
 *   });
 * ```
 */
export type TenantDataSourceFactory<DS extends object = object> = (
  tenantId: string,
) => DS | Promise<DS>;

/**
 * A factory, or where to look it up when a DataSource is first needed (so
 * that it may be bound after the application started).
 */
export type TenantDataSourceFactorySource<DS extends object = object> =
  | TenantDataSourceFactory<DS>
  | {get(): Promise<TenantDataSourceFactory<DS> | undefined>};

/** Limits of a `TenantDataSourcePool`. */
export interface TenantDataSourcePoolOptions {
  /** Most DataSources open (or opening, or closing) at once; `Infinity`: no cap. */
  maxOpen: number;
  /** Milliseconds a request waits for a slot before 503. */
  acquireTimeout: number;
  /**
   * Milliseconds a closed DataSource waits for the responses holding it,
   * and then its disconnect may take.
   */
  disconnectTimeout: number;
}

/** What holds a DataSource until it emits `close` (an HTTP response). */
export interface DataSourceHolder {
  once(event: 'close', listener: () => void): unknown;
  readonly closed?: boolean;
}

/** Counters of a `TenantDataSourcePool`. */
export interface TenantDataSourcePoolStats {
  /** Open DataSources that requests are given now (one per tenant). */
  live: number;
  /** Slots held: opening, open and closing DataSources. */
  slots: number;
  /** Requests waiting for a slot. */
  waiting: number;
  /** Connections of their pg pools not closed yet. */
  connections: number;
  /** DataSources opened, since start. */
  creations: number;
  /** Opens that failed (factory or connect check). */
  failures: number;
  /** Broken DataSources replaced after a connection error. */
  replaced: number;
  /** DataSources closed to make room under `maxOpen`. */
  closedForRoom: number;
  /** Requests that waited `acquireTimeout` in vain. */
  timeouts: number;
}
