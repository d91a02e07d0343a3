// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {invalidOptionError} from '../errors';
import {ensure, OptionReader} from '../options/option-checks';
import {MessageSigner, MIN_SIGNING_KEY_BYTES} from './message-signer';
import {
  createRedisClient,
  execMulti,
  WakeUp,
  type RedisClient,
  type RedisConnectionOptions,
} from './redis-client';
import {RedisEventReader} from './redis-event-reader';
import {encodeStreamEntry, xaddCommand} from './redis-stream';
import {
  readSuspendedTenants,
  suspendedTenantValue,
} from './redis-suspended-tenants';
import {
  INSTANCE_ID,
  parseTenantEvent,
  type TenantEvent,
  type TenantEvents,
  type TenantEventsResync,
  type TenantEventsStatus,
} from './tenant-event';

const debug = debugFactory('loopback:tenant-registry:fleet');

/** XREAD's BLOCK; a reply due for as long means a dead connection (ms). */
const BLOCK_TIME = 5000;
const COMMAND_TIMEOUT = 5000;

/** Options of `RedisTenantEvents`. */
export interface RedisTenantEventsOptions {
  /** A Redis URL (`redis://127.0.0.1:6379`) or connection options. */
  redis: string | RedisConnectionOptions;
  /**
   * Prefix of the keys `<prefix>events` (the stream of events) and
   * `<prefix>suspended` (the hash of tenants suspended fleet-wide).
   * @defaultValue `'tenant-registry:'`
   */
  prefix?: string;
  /**
   * How many events the stream keeps, approximately (`MAXLEN ~`). An
   * instance away for longer than the fleet takes to publish that many
   * evicts every tenant on its return. Suspensions never depend on it.
   * @defaultValue 10000
   */
  maxStreamLength?: number;
  /**
   * A shared secret (at least 32 bytes) with which instances sign what they
   * write (HMAC-SHA256) and check what they read: what fails is counted in
   * `rejected` and dropped. Without it, anyone who can write to Redis can
   * evict, suspend and resume tenants. Never logged.
   */
  signingKey?: string | Buffer;
  /**
   * How long `start()` (so `app.start()`) waits for the first sync, in
   * milliseconds; past it the app starts out of sync (health `warning`).
   * 0 does not wait.
   * @defaultValue 5000
   */
  startTimeout?: number;
  /**
   * The cap of the backoff (from 50 ms, doubling) between reconnects and
   * between retries of a failed resync, in milliseconds.
   * @defaultValue 2000
   */
  maxRetryDelay?: number;
  /**
   * Names the connections in `CLIENT LIST` (`<name>:commands`,
   * `<name>:events`): printable ASCII, no spaces.
   * @defaultValue `'tenant-registry:<host>:<pid>:<random>'`
   */
  connectionName?: string;
}

const DEFAULTS = {
  RedisTenantEvents: {
    prefix: 'tenant-registry:',
    maxStreamLength: 10_000,
    startTimeout: 5000,
    maxRetryDelay: 2000,
    connectionName: `tenant-registry:${INSTANCE_ID}`.replace(
      /[^\x21-\x7e]/g,
      '_',
    ),
  },
};

/**
 * Tenant events over Redis, with `ioredis` (an optional peer dependency:
 * install it to use this class). Redis holds the truth, and every instance
 * resyncs on every (re)connect, so the fleet converges (see `docs/fleet.md`).
 *
 * @remarks
 * Each instance reads the stream from the last entry it saw, so events
 * published while it was away are replayed; when some may be gone (a
 * *gap*), it evicts every tenant it holds (`status().gaps`). Connections
 * retry forever; while Redis is down, `publish()` fails at once and HTTP
 * keeps being served.
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
  private readonly signer: MessageSigner | undefined;
  private readonly reader: RedisEventReader;
  private readonly listeners = new Set<(event: TenantEvent) => void>();
  private readonly resyncListeners = new Set<(r: TenantEventsResync) => void>();
  private commands: RedisClient | undefined;
  /** Ends `start()`'s wait: a connection is ready, a resync, or `stop()`. */
  private readonly changed = new WakeUp();

  /** @throws TenantRegistryError `INVALID_OPTION` for a bad option. */
  constructor(options: RedisTenantEventsOptions) {
    this.options = resolveOptions(options);
    const {prefix, signingKey, maxRetryDelay, maxStreamLength} = this.options;
    this.signer = signingKey && new MessageSigner(signingKey);
    this.reader = new RedisEventReader({
      streamKey: `${prefix}events`,
      suspendedKey: `${prefix}suspended`,
      signer: this.signer,
      blockTime: BLOCK_TIME,
      maxRetryDelay,
      maxStreamLength,
      onEvent: event => emit(this.listeners, event),
      onResync: resync => {
        emit(this.resyncListeners, resync);
        this.changed.wake();
      },
    });
  }

  /**
   * Connect, and wait for the first sync at most `startTimeout`. Rejects
   * only when ioredis is not installed (the connections keep retrying).
   */
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

  /**
   * Write the event to the stream in one `MULTI` with, for a suspend or a
   * resume, the change to the hash. Rejects at once while Redis is
   * unreachable, with a TypeError for an invalid event.
   */
  async publish(event: TenantEvent): Promise<void> {
    const valid = parseTenantEvent(event);
    if (valid === undefined) throw new TypeError('Not a valid tenant event');
    const commands = this.connectedCommands();
    const {prefix, maxStreamLength} = this.options;
    const {type, tenantId} = valid;
    const entry = encodeStreamEntry(valid, this.signer);
    const writes = [xaddCommand(`${prefix}events`, maxStreamLength, entry)];
    if (type === 'suspend') {
      const value = suspendedTenantValue(tenantId, this.signer);
      writes.unshift(['hset', `${prefix}suspended`, tenantId, value]);
    } else if (type === 'resume') {
      writes.unshift(['hdel', `${prefix}suspended`, tenantId]);
    }
    const failed = (await execMulti(commands, writes)).find(([e]) => e);
    if (failed) throw failed[0];
  }

  /** Receive events (validated and, with `signingKey`, authenticated). */
  subscribe(listener: (event: TenantEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Receive the fleet's state each time this instance re-reads it. */
  subscribeResync(listener: (resync: TenantEventsResync) => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  /** The tenants suspended fleet-wide, read now. */
  async suspendedTenants(): Promise<string[]> {
    const key = `${this.options.prefix}suspended`;
    const read = readSuspendedTenants(
      this.connectedCommands(),
      key,
      this.signer,
    );
    return (await read).tenantIds;
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

/** Defaults filled in; bad values refused, never showing the signing key. */
function resolveOptions(options: RedisTenantEventsOptions) {
  const read = new OptionReader(options, 'RedisTenantEvents', DEFAULTS);
  const {redis, signingKey} = read.given;
  const isRedis =
    typeof redis === 'string' || (typeof redis === 'object' && redis !== null);
  ensure(isRedis, 'RedisTenantEvents.redis', 'a URL or an object', redis);
  const key =
    typeof signingKey === 'string' ? Buffer.from(signingKey) : signingKey;
  if (
    key !== undefined &&
    (!Buffer.isBuffer(key) || key.length < MIN_SIGNING_KEY_BYTES)
  ) {
    throw invalidOptionError(
      'RedisTenantEvents.signingKey',
      `a string or Buffer of at least ${MIN_SIGNING_KEY_BYTES} bytes`,
      Buffer.isBuffer(key) ? `${key.length} bytes` : typeof key,
    );
  }
  return {
    redis,
    signingKey: key,
    prefix: read.text(
      'prefix',
      /^[^]{0,256}$/,
      'a string of at most 256 characters',
    ),
    maxStreamLength: read.count('maxStreamLength'),
    startTimeout: read.duration('startTimeout', 0),
    maxRetryDelay: read.duration('maxRetryDelay', 1),
    connectionName: read.text(
      'connectionName',
      /^[\x21-\x7e]{1,200}$/,
      '1 to 200 printable ASCII characters without spaces',
    ),
  };
}
