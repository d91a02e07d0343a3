// Copyright loopback4-tenant-registry contributors. MIT License.

/** The parts of a node-postgres `Pool` (pg-pool 3) this package uses. */
export interface PgPoolLike {
  /** Set by `end()`. */
  readonly ending: boolean;
  /** Clients connecting, idle or checked out. */
  readonly totalCount: number;
  end(): Promise<void>;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

/** The part of a node-postgres `Client` (pg 8) this package uses. */
interface PgClientLike {
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

/** A connector that keeps its pool at `pg` (loopback-connector-postgresql). */
interface PgConnectorLike {
  pg?: unknown;
}

/**
 * The node-postgres pool of a loopback-connector-postgresql connector, if
 * the connector is one.
 *
 * @param connector - A DataSource's `connector`.
 * @internal
 */
export function pgPoolOf(connector: unknown): PgPoolLike | undefined {
  const pool = (connector as PgConnectorLike | undefined)?.pg;
  if (typeof pool !== 'object' || pool === null) return undefined;
  const candidate = pool as Partial<PgPoolLike>;
  return typeof candidate.end === 'function' &&
    typeof candidate.on === 'function' &&
    typeof candidate.totalCount === 'number'
    ? (pool as PgPoolLike)
    : undefined;
}

/**
 * Watches the node-postgres pool of one tenant DataSource: reports the
 * errors of the pool and of every client it opens, counts its open
 * connections, and ends it for real.
 *
 * @remarks
 * Read from loopback-connector-postgresql 9 (`lib/postgresql.js`), pg-pool 3
 * and pg 8 (`lib/client.js`):
 * - The connector attaches no `error` listener, to the pool or to its
 *   clients, unless the `onError` setting is given (which breaks a failed
 *   connect, see docs/datasources.md). pg-pool listens to a client's
 *   `error` only while the client is idle, and re-emits it on the pool.
 *   A checked-out client whose server goes away emits `error` with no
 *   listener, an uncaught exception: a query in flight when the server is
 *   stopped with `-m immediate` or its backend is killed (the socket ends:
 *   "Connection terminated unexpectedly"), or a `FATAL` (a fast shutdown)
 *   read together with the `ReadyForQuery` that completed the connection,
 *   while the connector still holds the client it connected with.
 * - So every client gets a listener for its whole life, attached on the
 *   pool's `connect` event: pg-pool emits it synchronously from the
 *   handshake's `ReadyForQuery`, before the client is handed to anyone and
 *   before the rest of that read is parsed. Before it, a client has no
 *   `error` to emit: pg reports a failure while connecting to the connect
 *   callback, which pg-pool handles, and swallows any error after that.
 *   Both listeners turn an error into "this DataSource is broken".
 * - The watch starts when the factory has returned the DataSource; one
 *   built with `lazyConnect` (as documented) has opened no client before.
 * - The connector's `disconnect()` calls `pool.end()`, drops its promise and
 *   calls back on the next tick, while the sockets are still open; and
 *   juggler skips `disconnect()` entirely for a DataSource that never
 *   connected. `end()` here takes the pool from the connector (as the
 *   connector's own `disconnect()` does), ends it once, and resolves only
 *   when every connection the pool opened has closed (pg-pool emits
 *   `remove` after a client's socket has ended), so a slot freed after it
 *   is a connection the server no longer sees.
 *
 * @internal
 */
export class PgPoolWatch {
  private readonly clients = new Set<unknown>();
  private onDrained: (() => void) | undefined;

  /**
   * @param connector - The connector holding the pool at `pg`.
   * @param pool - `pgPoolOf(connector)`.
   * @param onError - Told of every error of the pool or of one of its
   * clients (any number of times, also after the pool has ended).
   */
  constructor(
    private readonly connector: PgConnectorLike,
    private readonly pool: PgPoolLike,
    onError: (error: unknown) => void,
  ) {
    pool.on('error', onError);
    pool.on('connect', (client: PgClientLike) => {
      client.on('error', onError);
      this.clients.add(client);
    });
    pool.on('remove', (client: unknown) => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.onDrained?.();
    });
  }

  /** Connections the pool opened that are not closed yet. */
  get connections(): number {
    return this.clients.size;
  }

  /**
   * End the pool and resolve once all its connections are closed.
   * Call before the DataSource's own `disconnect()`.
   */
  async end(): Promise<void> {
    if (this.connector.pg === this.pool) this.connector.pg = null;
    if (!this.pool.ending) await this.pool.end();
    if (this.clients.size === 0) return;
    await new Promise<void>(resolve => (this.onDrained = resolve));
  }
}
