// Copyright loopback4-tenant-registry contributors. MIT License.

/** The parts of a node-postgres `Pool` (pg-pool 3) used here. */
interface PgPoolLike {
  readonly ending: boolean;
  readonly totalCount: number;
  end(): Promise<void>;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

/** A connector that keeps its pool at `pg` (loopback-connector-postgresql). */
interface PgConnectorLike {
  pg?: unknown;
}

/** The node-postgres pool of a loopback-connector-postgresql connector. */
export function pgPoolOf(connector: unknown): PgPoolLike | undefined {
  const pool = (connector as PgConnectorLike | undefined)?.pg as
    Partial<PgPoolLike> | null | undefined;
  return typeof pool?.end === 'function' &&
    typeof pool.on === 'function' &&
    typeof pool.totalCount === 'number'
    ? (pool as PgPoolLike)
    : undefined;
}

/**
 * Watches the node-postgres pool of one tenant DataSource: reports the errors
 * of the pool and of its clients, counts its connections, and ends it.
 *
 * @remarks
 * From loopback-connector-postgresql 9, pg-pool 3 and pg 8 (docs/datasources.md,
 * "What loopback-connector-postgresql 9 does"):
 * - pg-pool removes its listener while a client is checked out, and nobody
 *   else listens: a checked-out client whose server goes away would throw an
 *   uncaught exception. So each client gets a listener for its whole life on
 *   the pool's `connect` event, emitted before the client is handed out
 *   (until then pg reports errors to the connect callback).
 * - The connector's `disconnect()` calls back while the sockets are open;
 *   `end()` here waits for pg-pool's `remove` of every client, so a slot
 *   freed after it is a session the server no longer has.
 * - A DataSource built with `lazyConnect` (as documented) has opened no
 *   client before the watch starts.
 */
export class PgPoolWatch {
  private readonly clients = new Set<unknown>();
  private onDrained: (() => void) | undefined;

  /** `onError` is told of every error, also after the pool has ended. */
  constructor(
    private readonly connector: PgConnectorLike,
    private readonly pool: PgPoolLike,
    onError: (error: unknown) => void,
  ) {
    pool.on('error', onError);
    pool.on(
      'connect',
      (client: {on(event: 'error', l: typeof onError): unknown}) => {
        client.on('error', onError);
        this.clients.add(client);
      },
    );
    pool.on('remove', (client: unknown) => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.onDrained?.();
    });
  }

  get connections(): number {
    return this.clients.size;
  }

  /** End the pool; resolves once its sockets are closed. */
  async end(): Promise<void> {
    // As the connector's own disconnect() does, so that it ends it no more.
    if (this.connector.pg === this.pool) this.connector.pg = null;
    if (!this.pool.ending) await this.pool.end();
    if (this.clients.size === 0) return;
    await new Promise<void>(resolve => (this.onDrained = resolve));
  }
}
