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
 * Watches the node-postgres pool of one tenant DataSource: reports its
 * errors, counts its open connections, and ends it for real.
 *
 * @remarks
 * Read from loopback-connector-postgresql 9 (`lib/postgresql.js`) and
 * pg-pool 3:
 * - The connector attaches no `error` listener to its pool unless the
 *   `onError` setting is given, and pg-pool emits `error` on the pool when
 *   an idle client's connection dies (a server restart, an admin's
 *   `pg_terminate_backend`): without a listener that is an uncaught
 *   exception. The listener here turns it into "this DataSource is broken".
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
   * @param onError - Told of every pool error (the pool has already dropped
   * the client).
   */
  constructor(
    private readonly connector: PgConnectorLike,
    private readonly pool: PgPoolLike,
    onError: (error: unknown) => void,
  ) {
    pool.on('error', onError);
    pool.on('connect', (client: unknown) => this.clients.add(client));
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
