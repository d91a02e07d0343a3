// Copyright loopback4-tenant-registry contributors. MIT License.

import {hash} from 'node:crypto';
import {setTimeout as delay} from 'node:timers/promises';

/** A held lock on one tenant's migration. */
export interface TenantLock {
  /** Give it up; never throws. */
  release(): Promise<void>;
}

/** The parts of a node-postgres pooled client used here. */
interface PgPooledClient {
  query(sql: string, params: unknown[]): Promise<{rows: {locked?: boolean}[]}>;
  release(error?: Error | boolean): void;
}

/** The parts of a node-postgres `Pool` used here. */
interface PgLockPool {
  connect(): Promise<PgPooledClient>;
  options?: {max?: number};
}

// The first key of every lock: the package's own space of advisory locks,
// so that an application's pg_advisory_lock(int4, int4) keys do not clash.
const LOCK_NAMESPACE = int32Of('loopback4-tenant-registry:schemas');
const FIRST_BACKOFF = 25;
const MAX_BACKOFF = 1000;

/**
 * The two int4 keys of the tenant's advisory lock: the package's namespace
 * and a stable 32-bit hash of the tenant id (for `pg_locks`, or to hold a
 * tenant off by hand: `SELECT pg_advisory_lock($1, $2)`).
 */
export function tenantLockKeys(tenantId: string): [number, number] {
  return [LOCK_NAMESPACE, int32Of(tenantId)];
}

/** The node-postgres pool of a loopback-connector-postgresql DataSource. */
export function pgPoolOfDataSource(dataSource: object): PgLockPool | undefined {
  const {connector} = dataSource as {connector?: {name?: string; pg?: unknown}};
  if (connector?.name !== 'postgresql') return undefined;
  const pool = connector.pg as Partial<PgLockPool> | undefined | null;
  return typeof pool?.connect === 'function' ? (pool as PgLockPool) : undefined;
}

/**
 * Take the tenant's session advisory lock on a client of the DataSource's
 * own pool, trying again with backoff until `timeout` ms have passed (or
 * `signal` aborts): `undefined` when another session still holds it.
 *
 * @remarks
 * The client stays checked out while the lock is held (the migration uses
 * the pool's other connections, so the pool needs at least two). A session
 * that ends, a SIGKILLed migrator's included, frees its locks: PostgreSQL
 * never leaves one behind.
 */
export async function acquirePgLock(
  pool: PgLockPool,
  tenantId: string,
  timeout: number,
  signal?: AbortSignal,
): Promise<TenantLock | undefined> {
  const max = pool.options?.max;
  if (max !== undefined && max < 2) {
    throw new Error(
      `migrating needs a DataSource pool of at least 2 connections (one holds the tenant's lock), and its max is ${max}`,
    );
  }
  const keys = tenantLockKeys(tenantId);
  const client = await pool.connect();
  const deadline = Date.now() + timeout;
  try {
    for (let backoff = FIRST_BACKOFF; ; backoff *= 2) {
      const sql = 'SELECT pg_try_advisory_lock($1, $2) AS locked';
      const {rows} = await client.query(sql, keys);
      if (rows[0]?.locked === true) return heldLock(client, keys);
      const left = deadline - Date.now();
      if (left <= 0) break;
      await delay(Math.min(backoff, MAX_BACKOFF, left), undefined, {
        signal,
        ref: false,
      });
    }
  } catch (error: unknown) {
    if (signal?.aborted === true) {
      client.release();
      return undefined; // stopping: given up, as if still held
    }
    client.release(error instanceof Error ? error : true);
    throw error;
  }
  client.release();
  return undefined;
}

function heldLock(client: PgPooledClient, keys: number[]): TenantLock {
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query('SELECT pg_advisory_unlock($1, $2)', keys);
        client.release();
      } catch (error: unknown) {
        // Destroyed, not returned: its session ends, and the lock with it.
        client.release(error instanceof Error ? error : true);
      }
    },
  };
}

/**
 * One migration of a tenant at a time in this process, in call order: each
 * caller runs after the previous one has settled.
 */
export class InProcessTenantLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(tenantId) ?? Promise.resolve();
    const result = previous.then(fn, fn);
    const tail = result.catch(() => {});
    this.tails.set(tenantId, tail);
    tail.then(
      () => {
        if (this.tails.get(tenantId) === tail) this.tails.delete(tenantId);
      },
      () => {},
    );
    return result;
  }
}

function int32Of(text: string): number {
  return hash('sha256', text, 'buffer').readInt32BE(0);
}
