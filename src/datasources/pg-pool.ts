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
 * and pg 8 (`lib/client.js`); the evidence is in docs/datasources.md ("What
 * loopback-connector-postgresql 9 does").
 * - Nobody listens to `error` on the pool or its clients, and pg-pool listens
 *   to a client only while it is idle: a checked-out client whose server
 *   goes away (`-m immediate`, a killed backend, a `FATAL` read with the
 *   handshake's `ReadyForQuery`) would throw an uncaught exception. So every
 *   client gets a listener for its whole life on the pool's `connect` event,
 *   which pg-pool emits from that `ReadyForQuery`, before the client is
 *   handed out and before the rest of that read is parsed; until then pg
 *   reports errors to the connect callback, which pg-pool handles.
 * - The connector's `disconnect()` drops the promise of `pool.end()` and
 *   calls back while the sockets are still open, and juggler skips it for a
 *   DataSource that never connected. `end()` here ends the pool itself and
 *   resolves once pg-pool has emitted `remove` for every client (its socket
 *   has ended), so a slot freed after it is a session the server no longer
 *   has.
 * - The watch starts when the factory has returned the DataSource: one built
 *   with `lazyConnect` (as documented) has opened no client before.
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
    // As the connector's own disconnect() does, so that it ends it no more.
    if (this.connector.pg === this.pool) this.connector.pg = null;
    if (!this.pool.ending) await this.pool.end();
    if (this.clients.size === 0) return;
    await new Promise<void>(resolve => (this.onDrained = resolve));
  }
}
