// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {retryDelay, type RedisClient} from './redis-client';

const debug = debugFactory('loopback:tenant-registry:fleet');

/**
 * Where Redis is, for ioredis: one node, or a Sentinel group (`name` and
 * `sentinels`; retries and timeouts: `docs/fleet.md`).
 */
export interface RedisConnectionOptions {
  /** The host. @defaultValue `'localhost'` (ioredis) */
  host?: string;
  /** The port. @defaultValue 6379 (ioredis) */
  port?: number;
  /** A Unix socket instead of host and port. */
  path?: string;
  /** The ACL user (Redis 6 and later). */
  username?: string;
  /** Never logged. */
  password?: string;
  /** The database index. @defaultValue 0 */
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
  /** Sentinel: the sentinels to ask where the primary is. */
  sentinels?: Array<{host?: string; port?: number}>;
  /** Sentinel: the ACL user on the sentinels. */
  sentinelUsername?: string;
  /** Sentinel: the sentinels' password (never logged). */
  sentinelPassword?: string;
  /** Sentinel: `tls.connect()` options for the sentinels. */
  sentinelTLS?: object;
  /** Sentinel: TLS to the primary too (with `tls`). */
  enableTLSForSentinelMode?: boolean;
}

/**
 * A Redis Cluster: its startup nodes (one is enough to find the others;
 * more survive one down) and what every node connection uses.
 *
 * @example
 * ```ts
 * new RedisTenantEvents({
 *   redis: {
 *     cluster: [{host: 'redis-1', port: 6379}, {host: 'redis-2', port: 6379}],
 *     nodeOptions: {username: 'fleet', password: process.env.REDIS_PASSWORD},
 *   },
 * });
 * ```
 */
export interface RedisClusterOptions {
  /** Startup nodes, as `{host, port}` or `'host:port'`. */
  cluster: Array<{host?: string; port?: number} | string>;
  /** For each node: credentials, TLS, timeouts (no `host` or `port`). */
  nodeOptions?: Omit<
    RedisConnectionOptions,
    | 'host'
    | 'port'
    | 'path'
    | 'db'
    | 'name'
    | 'sentinels'
    | 'sentinelUsername'
    | 'sentinelPassword'
    | 'sentinelTLS'
    | 'enableTLSForSentinelMode'
  >;
  /** Addresses the nodes announce mapped to ones to dial (NAT, Docker). */
  natMap?: Record<string, {host: string; port: number}>;
}

/**
 * An ioredis `Cluster` of the app's (typed without ioredis): used as a
 * template only (`duplicate()`), never connected, used or closed by us.
 */
export interface RedisClusterClient {
  /** `true` on an ioredis `Cluster`. */
  readonly isCluster: boolean;
  /** A new `Cluster` with the same nodes and options (ioredis). */
  duplicate(startupNodes?: unknown[], options?: object): unknown;
}

/** Where Redis is: a URL, one node or Sentinel, or a cluster. */
export type RedisConnection =
  string | RedisConnectionOptions | RedisClusterOptions | RedisClusterClient;

/** Whether `redis` is a Redis Cluster. @internal */
export function isCluster(
  redis: RedisConnection,
): redis is RedisClusterOptions | RedisClusterClient {
  return (
    typeof redis === 'object' &&
    ((redis as RedisClusterClient).isCluster === true ||
      Array.isArray((redis as RedisClusterOptions).cluster))
  );
}

/** A lazy ioredis client that reconnects forever (times in ms). @internal */
export function createRedisClient(
  redis: RedisConnection,
  settings: {
    connectionName: string;
    maxRetryDelay: number;
    commandTimeout: number;
  },
): RedisClient {
  let ioredis: {
    default: new (...args: unknown[]) => RedisClient;
    Cluster: new (...args: unknown[]) => RedisClient;
  };
  try {
    // Required here: only apps that use Redis need ioredis installed.
    ioredis = require('ioredis');
  } catch {
    throw new Error(
      'RedisTenantEvents needs the `ioredis` package, an optional peer dependency: run `npm install ioredis`',
    );
  }
  const {connectionName, maxRetryDelay, commandTimeout} = settings;
  const retryStrategy = (attempt: number) => retryDelay(attempt, maxRetryDelay);
  const connection = {
    connectionName,
    // Fail fast while disconnected: a publish must learn that the fleet was
    // not told, and a reader must not have a stale XREAD resent after it
    // resynced (ioredis resends unfulfilled commands by default).
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false,
    commandTimeout,
  };
  let client: RedisClient;
  if (isCluster(redis)) {
    const template = redis as {options?: {redisOptions?: object}};
    const isInstance = (redis as RedisClusterClient).isCluster === true;
    const given = redis as RedisClusterOptions;
    const options = {
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: retryStrategy,
      // A command cut by a lost node fails instead of being sent again
      // elsewhere: the reader resyncs, as on any reconnect.
      retryDelayOnFailover: 0,
      ...(!isInstance && given.natMap && {natMap: given.natMap}),
      redisOptions: {
        ...(isInstance ? template.options?.redisOptions : given.nodeOptions),
        ...connection,
      },
    };
    client = isInstance
      ? ((redis as RedisClusterClient).duplicate([], options) as RedisClient)
      : new ioredis.Cluster(given.cluster, options);
  } else {
    const options = {
      ...(typeof redis === 'string' ? {} : redis),
      ...connection,
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy,
      // Sentinel: drop the connection to a primary once a failover is
      // announced (`+switch-master`), not when the old one is demoted
      // (seconds later, taking writes meanwhile), and on a write refused by
      // a demoted primary (READONLY): ioredis asks the sentinels again.
      failoverDetector: true,
      reconnectOnError: (error: Error) => error.message.startsWith('READONLY'),
    };
    const url = typeof redis === 'string' ? [redis] : [];
    client = new ioredis.default(...url, options);
  }
  // Without a listener ioredis prints every connection error to the console.
  client.on('error', error =>
    debug('redis %s: %s', connectionName, error.message),
  );
  return client;
}
