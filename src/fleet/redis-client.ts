// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';

const debug = debugFactory('loopback:tenant-registry:fleet');

export type RedisArgument = string | number | Buffer;

/** Where Redis is, for ioredis (retries and timeouts: `docs/fleet.md`). */
export interface RedisConnectionOptions {
  host?: string;
  port?: number;
  /** A Unix socket instead of host and port. */
  path?: string;
  username?: string;
  /** Never logged. */
  password?: string;
  db?: number;
  /** `tls.connect()` options; present means TLS. */
  tls?: object;
  /** In milliseconds. @defaultValue 10000 (ioredis) */
  connectTimeout?: number;
  /** 4 or 6. */
  family?: number;
  /** TCP keep-alive initial delay, in milliseconds. */
  keepAlive?: number;
  /** Sentinel: the master group name. */
  name?: string;
  sentinels?: Array<{host?: string; port?: number}>;
  sentinelUsername?: string;
  sentinelPassword?: string;
}

/** What we use of an ioredis client (typed without ioredis). @internal */
export interface RedisClient {
  readonly status: string;
  connect(): Promise<void>;
  disconnect(reconnect?: boolean): void;
  call(command: string, ...args: RedisArgument[]): Promise<unknown>;
  multi(commands: RedisArgument[][]): {
    exec(): Promise<[Error | null, unknown][] | null>;
  };
  on(event: 'ready' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** A lazy ioredis client that reconnects forever (times in ms). @internal */
export function createRedisClient(
  redis: string | RedisConnectionOptions,
  settings: {
    connectionName: string;
    maxRetryDelay: number;
    commandTimeout: number;
  },
): RedisClient {
  let IORedis: new (...args: unknown[]) => RedisClient;
  try {
    // Required here: only apps that use Redis need ioredis installed.
    IORedis = require('ioredis').default;
  } catch {
    throw new Error(
      'RedisTenantEvents needs the `ioredis` package, an optional peer dependency: run `npm install ioredis`',
    );
  }
  const {connectionName, maxRetryDelay, commandTimeout} = settings;
  const options = {
    ...(typeof redis === 'string' ? {} : redis),
    connectionName,
    lazyConnect: true,
    // Fail fast while disconnected: a publish must learn that the fleet was
    // not told, and a reader must not have a stale XREAD resent after it
    // resynced (ioredis resends unfulfilled commands by default).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false,
    commandTimeout,
    retryStrategy: (attempt: number) => retryDelay(attempt, maxRetryDelay),
  };
  const url = typeof redis === 'string' ? [redis] : [];
  const client = new IORedis(...url, options);
  // Without a listener ioredis prints every connection error to the console.
  client.on('error', error =>
    debug('redis %s: %s', connectionName, error.message),
  );
  return client;
}

export async function execMulti(
  client: RedisClient,
  commands: RedisArgument[][],
): Promise<[Error | null, unknown][]> {
  const replies = await client
    .multi(commands)
    .exec()
    .catch((error: unknown) => {
      reconnectIfTimedOut(client, error);
      throw error;
    });
  if (replies === null) throw new Error('The Redis transaction was aborted');
  return replies;
}

// A timed-out command means a dead (half-open) connection that TCP may take
// minutes to notice. (ioredis's `socketTimeout` leaks a timer on disconnect.)
export function reconnectIfTimedOut(client: RedisClient, error: unknown): void {
  if ((error as Error)?.message === 'Command timed out') {
    client.disconnect(true);
  }
}

// 50 ms, doubling, up to `maxDelay`, with "equal jitter" (half to all of
// it): a fleet that lost Redis together does not come back in lockstep.
export function retryDelay(
  attempt: number,
  maxDelay: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(50 * 2 ** exponent, maxDelay);
  return Math.max(1, Math.round(ceiling / 2 + (ceiling / 2) * random()));
}

/** Waits that end on `wake()`, or after `delay` ms (unref'ed). @internal */
export class WakeUp {
  private readonly waiters = new Set<() => void>();

  wait(delay?: number): Promise<void> {
    return new Promise(resolve => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
      const timer = delay === undefined ? undefined : setTimeout(done, delay);
      timer?.unref();
    });
  }

  wake(): void {
    for (const done of [...this.waiters]) done();
  }
}
