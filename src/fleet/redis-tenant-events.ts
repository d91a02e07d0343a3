// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {
  checkGroup,
  count,
  ensure,
  ms,
  text,
  type Check,
} from '../options/option-checks';
import {
  MessageSigner,
  encodeStreamEntry,
  readSuspendedTenants,
  xaddCommand,
} from './redis-store';
import {execMulti, WakeUp, type RedisClient} from './redis-client';
import {
  createRedisClient,
  isCluster,
  type RedisConnection,
} from './redis-connection';
import {fleetKeys, hasHashTag} from './redis-keys';
import {RedisEventReader} from './redis-event-reader';
import {
  INSTANCE_ID,
  parseTenantEvent,
  type TenantEvent,
  type TenantEvents,
  type TenantEventsResync,
  type TenantEventsStatus,
} from './tenant-event';

const debug = debugFactory('loopback:tenant-registry:fleet');

/** XREAD's BLOCK (ms); a reply late by as long means a dead connection. */
const BLOCK_TIME = 5000;
const COMMAND_TIMEOUT = 5000;

/**
 * Options of `RedisTenantEvents`.
 *
 * @example
 * ```ts
 * // A Redis Cluster: startup nodes, and what every node connection uses.
 * new RedisTenantEvents({
 *   redis: {
 *     cluster: [{host: 'redis-1', port: 6379}, 'redis-2:6379'],
 *     nodeOptions: {username: 'shop', password: process.env.REDIS_PASSWORD},
 *   },
 *   prefix: 'shop:',
 *   signingKey: process.env.TENANT_EVENTS_KEY,
 * });
 * // Sentinel: the group name and the sentinels.
 * new RedisTenantEvents({
 *   redis: {
 *     name: 'mymaster',
 *     sentinels: [{host: 'sentinel-1', port: 26379}],
 *     password: process.env.REDIS_PASSWORD,
 *     sentinelPassword: process.env.SENTINEL_PASSWORD,
 *   },
 * });
 * ```
 */
export interface RedisTenantEventsOptions {
  /**
   * A Redis URL (`redis://127.0.0.1:6379`), connection options (one node, or
   * a Sentinel group: `name` and `sentinels`), a cluster's nodes
   * (`{cluster: [...]}`) or an ioredis `Cluster` (duplicated, never used).
   */
  redis: RedisConnection;
  /**
   * Prefix of the keys `<prefix>events` (stream) and `<prefix>suspended`
   * (hash). Without a hash tag (`{...}`) it gets one, so that both keys
   * share a Redis Cluster slot: `'shop:'` gives `{shop}:events` and
   * `{shop}:suspended`; suspensions under the old `shop:suspended` are
   * copied over once (see `docs/fleet.md`).
   * @defaultValue `'tenant-registry:'`
   */
  prefix?: string;
  /**
   * Events the stream keeps (`MAXLEN ~`): an instance away while more were
   * published evicts every tenant on its return (suspensions are kept).
   * @defaultValue 10000
   */
  maxStreamLength?: number;
  /**
   * A shared secret (32 bytes or more, never logged) to sign what instances
   * write and drop what fails (`rejected`). Without it, anyone who can
   * write to Redis can evict, suspend and resume tenants.
   */
  signingKey?: string | Buffer;
  /**
   * How long `app.start()` waits for the first sync, in milliseconds (0:
   * not at all); past it the app starts out of sync (health `warning`).
   * @defaultValue 5000
   */
  startTimeout?: number;
  /** Cap of the backoff between retries, in milliseconds. @defaultValue 2000 */
  maxRetryDelay?: number;
  /**
   * Names `<name>:commands` and `<name>:events` in `CLIENT LIST`.
   * @defaultValue `'tenant-registry:<host>:<pid>:<random>'`
   */
  connectionName?: string;
}

const DEFAULTS = {
  prefix: 'tenant-registry:',
  maxStreamLength: 10_000,
  startTimeout: 5000,
  maxRetryDelay: 2000,
  connectionName: 'tenant-registry:' + INSTANCE_ID.replace(/[^!-~]/g, '_'),
};

/**
 * Tenant events over Redis, with `ioredis` (an optional peer dependency).
 * Every instance resyncs on every (re)connect and replays what it missed;
 * when events may be lost (a gap) it evicts every tenant. While Redis is
 * down, `publish()` fails at once and HTTP is served (see `docs/fleet.md`).
 *
 * @example
 * ```ts
 * app.bind(TenantRegistryBindings.TENANT_EVENTS).to(
 *   new RedisTenantEvents({redis: process.env.REDIS_URL!, prefix: 'shop:'}),
 * );
 * ```
 */
export class RedisTenantEvents implements TenantEvents {
  private readonly options: ReturnType<typeof resolveOptions>;
  private readonly reader: RedisEventReader;
  private readonly listeners = new Set<(event: TenantEvent) => void>();
  private readonly resyncListeners = new Set<(r: TenantEventsResync) => void>();
  private commands: RedisClient | undefined;
  /** Ends `start()`'s wait. */
  private readonly changed = new WakeUp();

  /** @throws TenantRegistryError `INVALID_OPTION` for a bad option. */
  constructor(options: RedisTenantEventsOptions) {
    this.options = resolveOptions(options);
    this.reader = new RedisEventReader({
      ...this.options,
      blockTime: BLOCK_TIME,
      onEvent: event => emit(this.listeners, event),
      onResync: resync => {
        emit(this.resyncListeners, resync);
        this.changed.wake();
      },
    });
  }

  /** Connect, and wait for the first sync at most `startTimeout`. */
  async start(): Promise<void> {
    const {redis, connectionName, maxRetryDelay, startTimeout} = this.options;
    if (this.commands === undefined) {
      const connect = (role: string, commandTimeout: number) =>
        createRedisClient(redis, {
          connectionName: `${connectionName}:${role}`,
          maxRetryDelay,
          commandTimeout,
        });
      const reader = connect('events', BLOCK_TIME + COMMAND_TIMEOUT);
      const commands = connect('commands', COMMAND_TIMEOUT);
      commands.on('ready', () => this.changed.wake());
      this.commands = commands;
      this.reader.start(reader);
      for (const client of [commands, reader]) client.connect().catch(() => {});
    }
    const deadline = Date.now() + startTimeout;
    while (this.commands && !this.isConnected() && Date.now() < deadline) {
      await this.changed.wait(deadline - Date.now());
    }
  }

  /** Disconnect both connections; no timer or socket of ours remains. */
  async stop(): Promise<void> {
    this.commands?.disconnect();
    this.commands = undefined;
    this.changed.wake();
    await this.reader.stop();
  }

  /** Publish to every instance; fails at once while Redis is down. */
  async publish(event: TenantEvent): Promise<void> {
    const valid = parseTenantEvent(event);
    if (valid === undefined) throw new TypeError('Not a valid tenant event');
    const commands = this.connectedCommands();
    const {streamKey, suspendedKey, maxStreamLength, signer} = this.options;
    const {type, tenantId} = valid;
    const entry = encodeStreamEntry(valid, signer);
    // One MULTI: the hash (the truth) changes with the entry (the news).
    const writes = [xaddCommand(streamKey, maxStreamLength, entry)];
    if (type === 'suspend') {
      const value = signer?.sign('suspended', tenantId) ?? '1';
      writes.unshift(['hset', suspendedKey, tenantId, value]);
    } else if (type === 'resume') {
      writes.unshift(['hdel', suspendedKey, tenantId]);
    }
    const failed = (await execMulti(commands, writes)).find(([e]) => e);
    if (failed) throw failed[0];
  }

  /** Receive events (validated and, with `signingKey`, authenticated). */
  subscribe(listener: (event: TenantEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Receive the fleet's state at each (re)connect and after a gap. */
  subscribeResync(listener: (resync: TenantEventsResync) => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  /** Tenants suspended fleet-wide, read from Redis (signed entries only). */
  async suspendedTenants(): Promise<string[]> {
    const {suspendedKey: key, signer} = this.options;
    const commands = this.connectedCommands();
    return (await readSuspendedTenants(commands, key, signer)).tenantIds;
  }

  /** In sync when it follows the fleet and can publish (admin needs both). */
  status(): TenantEventsStatus {
    const status = this.reader.status();
    if (status.isInSync && this.commands?.status !== 'ready') {
      const reason = 'cannot publish: not connected to Redis; retrying';
      return {...status, isInSync: false, reason};
    }
    return status;
  }

  /** Whether this instance is connected and in sync with the fleet. */
  isConnected(): boolean {
    return this.status().isInSync;
  }

  private connectedCommands(): RedisClient {
    if (this.commands?.status !== 'ready') {
      throw new Error('Not connected to Redis');
    }
    return this.commands;
  }
}

function emit<T>(listeners: Set<(value: T) => void>, value: T): void {
  for (const listener of listeners) {
    try {
      listener(value);
    } catch (error: unknown) {
      debug('a tenant events listener threw: %s', error);
    }
  }
}

// Defaults filled in, bad values refused (showing a key's length only).
function resolveOptions(options: RedisTenantEventsOptions) {
  const given = checkGroup('RedisTenantEvents', options);
  const {redis, signingKey} = given as Partial<RedisTenantEventsOptions>;
  const read = <K extends keyof typeof DEFAULTS>(key: K, check: Check) => {
    const value = given[key] ?? DEFAULTS[key];
    check(`RedisTenantEvents.${key}`, value);
    return value as (typeof DEFAULTS)[K];
  };
  const isRedis =
    typeof redis === 'string' || (typeof redis === 'object' && redis !== null);
  ensure(isRedis, 'RedisTenantEvents.redis', 'a URL or an object', redis);
  const nodes = (redis as {cluster?: unknown}).cluster;
  const hasNodes =
    (redis as {isCluster?: unknown}).isCluster === true ||
    nodes === undefined ||
    (Array.isArray(nodes) && nodes.length > 0);
  ensure(hasNodes, 'RedisTenantEvents.redis.cluster', 'a list of nodes', nodes);
  const key =
    typeof signingKey === 'string' ? Buffer.from(signingKey) : signingKey;
  const isKey = key === undefined || (Buffer.isBuffer(key) && key.length >= 32);
  const shown = Buffer.isBuffer(key) ? `${key.length} bytes` : typeof key;
  const expected = 'a string or Buffer of at least 32 bytes';
  ensure(isKey, 'RedisTenantEvents.signingKey', expected, shown);
  const prefix = read(
    'prefix',
    text(/^[^]{0,256}$/, 'a string of at most 256 characters'),
  );
  const keys = fleetKeys(prefix);
  const isOnCluster = isCluster(redis!);
  const isOneSlot = !isOnCluster || hasHashTag(keys.streamKey);
  const slotRule = 'on a Redis Cluster, a prefix whose keys share a hash tag';
  ensure(isOneSlot, 'RedisTenantEvents.prefix', slotRule, prefix);
  return {
    redis: redis!,
    signer: key && new MessageSigner(key),
    ...keys,
    // The legacy keys could not have worked on a cluster (CROSSSLOT).
    legacySuspendedKey: isOnCluster ? undefined : keys.legacySuspendedKey,
    maxStreamLength: read('maxStreamLength', count()),
    startTimeout: read('startTimeout', ms(0)),
    maxRetryDelay: read('maxRetryDelay', ms(1)),
    connectionName: read(
      'connectionName',
      text(
        /^[!-~]{1,200}$/,
        '1 to 200 printable ASCII characters without spaces',
      ),
    ),
  };
}
