// Copyright loopback4-tenant-registry contributors. MIT License.

/** The parts of a node-postgres `Pool` (pg-pool 3) used here. */
interface PgPoolLike {
  readonly ending: boolean;
  readonly totalCount: number;
  end(): Promise<void>;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

/** pg-pool 3's own parts the session count uses. */
interface PgPoolInternals {
  _isFull?: () => boolean;
  _clients?: unknown[];
  options?: {max?: number};
}

/** loopback-connector-postgresql keeps its pool at `pg`. */
type PgConnectorLike = {pg?: unknown};

/** The node-postgres pool of a loopback-connector-postgresql connector. */
export function pgPoolOf(connector: unknown): PgPoolLike | undefined {
  const pool = (connector as PgConnectorLike | undefined)?.pg as
    Partial<PgPoolLike> | undefined;
  return typeof pool?.end === 'function' &&
    typeof pool.on === 'function' &&
    typeof pool.totalCount === 'number'
    ? (pool as PgPoolLike)
    : undefined;
}

/**
 * Watches the node-postgres pool of one tenant DataSource: reports the errors
 * of the pool and its clients, counts its connections, and ends it.
 *
 * @remarks
 * Evidence in docs/datasources.md ("What loopback-connector-postgresql 9
 * does"). pg-pool removes its listener while a client is checked out: a
 * checked-out client whose server goes away would throw an uncaught
 * exception, so each client gets a listener for its whole life, from the
 * pool's `connect` event (before it is handed out; a `lazyConnect` DataSource
 * has no client before the watch). The connector's `disconnect()` calls back
 * with the sockets open; `end()` waits for every client's `remove`.
 */
export class PgPoolWatch {
  private readonly clients = new Set<unknown>();
  private onDrained: (() => void) | undefined;

  /** `onError` hears every error, also after the pool has ended. */
  constructor(
    private readonly connector: PgConnectorLike,
    private readonly pool: PgPoolLike,
    onError: (error: unknown) => void,
  ) {
    this.countEndingClients(pool as PgPoolInternals);
    pool.on('error', onError);
    pool.on('connect', (client: {on(e: 'error', l: typeof onError): void}) => {
      client.on('error', onError);
      this.clients.add(client);
    });
    pool.on('remove', (client: unknown) => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.onDrained?.();
    });
  }

  get connections(): number {
    return this.clients.size;
  }

  // pg-pool stops counting a client when it starts ending it (after a query
  // error: loopback-connector-postgresql's createTable errs on purpose with
  // 42P06 for a schema that exists) and may connect the replacement before
  // the old session is gone: one session over `max` for a moment. Its
  // `remove` comes once the server closed the socket, after the backend
  // left pg_stat_activity; the pool pulses its queue right after.
  private countEndingClients(pool: PgPoolInternals): void {
    const isFull = pool._isFull;
    const clients = pool._clients;
    if (typeof isFull !== 'function' || !Array.isArray(clients)) return;
    pool._isFull = () => {
      if (isFull.call(pool)) return true;
      let ending = 0;
      for (const client of this.clients) {
        if (!pool._clients!.includes(client)) ending++;
      }
      return pool._clients!.length + ending >= (pool.options?.max ?? 10);
    };
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
