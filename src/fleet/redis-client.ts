// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';

const debug = debugFactory('loopback:tenant-registry:fleet');

/** A Redis command argument. */
export type RedisArgument = string | number | Buffer;

/**
 * Where Redis is: the connection options passed on to ioredis. Retries,
 * queues and timeouts are not among them: `RedisTenantEvents` sets those so
 * that the fleet converges (see `docs/fleet.md`).
 */
export interface RedisConnectionOptions {
  host?: string;
  port?: number;
  /** A Unix socket instead of host and port. */
  path?: string;
  username?: string;
  /** Never logged. */
  password?: string;
  db?: number;
  /** TLS options (`tls.connect()`'s); present means TLS. */
  tls?: object;
  /** In milliseconds. @defaultValue 10000 (ioredis) */
  connectTimeout?: number;
  /** 4 or 6. */
  family?: number;
  /** TCP keep-alive initial delay, in milliseconds. */
  keepAlive?: number;
  /** Sentinel: the master group name. */
  name?: string;
  /** Sentinel: where the sentinels are. */
  sentinels?: Array<{host?: string; port?: number}>;
  sentinelUsername?: string;
  sentinelPassword?: string;
}

/**
 * The part of an ioredis client this package uses. Structural, so that the
 * published types do not need ioredis installed.
 *
 * @internal
 */
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

/** How one of our connections behaves. @internal */
export interface RedisClientSettings {
  /** Shown by `CLIENT LIST`. */
  connectionName: string;
  /** Cap of the reconnect backoff, in milliseconds. */
  maxRetryDelay: number;
  /** A reply due for longer fails the command, in milliseconds. */
  commandTimeout: number;
}

type IORedisConstructor = new (...args: unknown[]) => RedisClient;

/**
 * A lazily connecting ioredis client that fails commands at once while
 * disconnected and reconnects forever with a capped backoff.
 *
 * @throws Error when ioredis is not installed.
 * @internal
 */
export function createRedisClient(
  redis: string | RedisConnectionOptions,
  settings: RedisClientSettings,
): RedisClient {
  const IORedis = loadIORedis();
  const options = {
    ...(typeof redis === 'string' ? {} : redis),
    connectionName: settings.connectionName,
    lazyConnect: true,
    // Fail fast while disconnected: a publish must learn that the fleet was
    // not told, and a reader must not have a stale XREAD resent after it
    // resynced (ioredis resends unfulfilled commands by default).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false,
    commandTimeout: settings.commandTimeout,
    retryStrategy: (attempt: number) =>
      retryDelay(attempt, settings.maxRetryDelay),
  };
  const client =
    typeof redis === 'string'
      ? new IORedis(redis, options)
      : new IORedis(options);
  // Without a listener ioredis prints every connection error to the console.
  client.on('error', error =>
    debug('redis %s: %s', settings.connectionName, error.message),
  );
  return client;
}

function loadIORedis(): IORedisConstructor {
  try {
    // Loaded here so that only apps using Redis need ioredis installed.
    return (require('ioredis') as {default: IORedisConstructor}).default;
  } catch {
    throw new Error(
      'RedisTenantEvents needs the `ioredis` package, an optional peer dependency: run `npm install ioredis`',
    );
  }
}

/**
 * Run `commands` in one `MULTI`.
 *
 * @returns Each command's reply or error.
 * @throws The connection's error, or when the transaction was aborted.
 * @internal
 */
export async function execMulti(
  client: RedisClient,
  commands: RedisArgument[][],
): Promise<[Error | null, unknown][]> {
  let replies: [Error | null, unknown][] | null;
  try {
    replies = await client.multi(commands).exec();
  } catch (error: unknown) {
    reconnectIfTimedOut(client, error);
    throw error;
  }
  if (replies === null) throw new Error('The Redis transaction was aborted');
  return replies;
}

/**
 * A command that timed out means a dead connection (half-open after a
 * network partition) that TCP may take minutes to notice: drop it and let
 * the client reconnect. (ioredis's own `socketTimeout` leaves a timer
 * running after `disconnect()`.)
 *
 * @internal
 */
export function reconnectIfTimedOut(client: RedisClient, error: unknown): void {
  if ((error as Error)?.message === 'Command timed out') {
    client.disconnect(true);
  }
}

/**
 * How long to wait before retry number `attempt`: doubling from 50 ms,
 * capped at `maxDelay`, with "equal jitter" (between half and all of it) so
 * that a fleet that lost Redis together does not come back in lockstep.
 *
 * @param attempt - 1 for the first retry.
 * @param maxDelay - The cap, in milliseconds.
 * @param random - A source in [0, 1).
 * @returns Milliseconds, at least 1.
 * @internal
 */
export function retryDelay(
  attempt: number,
  maxDelay: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(50 * 2 ** exponent, maxDelay);
  return Math.max(1, Math.round(ceiling / 2 + (ceiling / 2) * random()));
}
