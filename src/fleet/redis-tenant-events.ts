// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {MessageSigner} from './message-signer';
import {createRedisClient, type RedisClient} from './redis-client';
import {RedisEventReader} from './redis-event-reader';
import {writeTenantEvent} from './redis-event-writes';
import {readSuspendedTenants} from './redis-suspended-tenants';
import {
  resolveRedisTenantEventsOptions,
  type RedisTenantEventsOptions,
  type ResolvedRedisTenantEventsOptions,
} from './redis-tenant-events-options';
import {WakeUp} from './wake-up';
import {
  parseTenantEvent,
  type TenantEvent,
  type TenantEvents,
  type TenantEventsResync,
  type TenantEventsStatus,
} from './tenant-event';

export type {RedisTenantEventsOptions} from './redis-tenant-events-options';

const debug = debugFactory('loopback:tenant-registry:events');

/** XREAD's BLOCK: how long one read waits for news, in milliseconds. */
const BLOCK_TIME = 5000;
/** A reply due for this long means a dead connection, in milliseconds. */
const COMMAND_TIMEOUT = 5000;
const NOT_PUBLISHING = 'cannot publish: not connected to Redis; retrying';

/**
 * Tenant events over Redis, with `ioredis` (an optional peer dependency:
 * install it to use this class). The fleet converges: Redis holds the
 * truth, and every instance resyncs on every (re)connect.
 *
 * @remarks
 * - Suspended tenants live in a hash (`<prefix>suspended`); events in a
 *   stream (`<prefix>events`, trimmed to about `maxStreamLength`). Suspend
 *   and resume write both in one `MULTI`.
 * - Each instance reads the stream on its own connection from the last
 *   entry it saw, so events published while it was away are replayed; on
 *   every (re)connect it re-reads the hash, and after every `suspend` or
 *   `resume` entry too: a message that disagrees with the hash loses.
 * - When entries it did not read may be gone (the stream trimmed past it,
 *   deleted, recreated or replaced: a *gap*), it evicts every tenant it
 *   holds and counts the gap (`status().gaps`, `lastGap`).
 * - Connections retry forever with a capped backoff; `start()` waits for
 *   the first sync at most `startTimeout`. While Redis is down, `publish()`
 *   fails at once (no offline queue) and HTTP keeps being served.
 * - With `signingKey`, what is written is signed and what is read is
 *   checked; entries that fail are counted and dropped.
 *
 * @example
 * ```ts
 * app.bind(TenantRegistryBindings.TENANT_EVENTS).to(
 *   new RedisTenantEvents({redis: process.env.REDIS_URL!, prefix: 'shop:'}),
 * );
 * ```
 */
export class RedisTenantEvents implements TenantEvents {
  private readonly options: ResolvedRedisTenantEventsOptions;
  private readonly keys: {streamKey: string; suspendedKey: string};
  private readonly signer: MessageSigner | undefined;
  private readonly reader: RedisEventReader;
  private readonly listeners = new Set<(event: TenantEvent) => void>();
  private readonly resyncListeners = new Set<
    (resync: TenantEventsResync) => void
  >();
  private commands: RedisClient | undefined;
  private readonly commandsReady = new WakeUp();

  /**
   * @param options - Where Redis is, and how to use it.
   * @throws TenantRegistryError `INVALID_OPTION` for a bad option.
   */
  constructor(options: RedisTenantEventsOptions) {
    this.options = resolveRedisTenantEventsOptions(options);
    const {prefix, signingKey, maxRetryDelay} = this.options;
    this.keys = {
      streamKey: `${prefix}events`,
      suspendedKey: `${prefix}suspended`,
    };
    this.signer = signingKey && new MessageSigner(signingKey);
    this.reader = new RedisEventReader({
      ...this.keys,
      signer: this.signer,
      blockTime: BLOCK_TIME,
      maxRetryDelay,
      maxStreamLength: this.options.maxStreamLength,
      onEvent: event => emit(this.listeners, event),
      onResync: resync => emit(this.resyncListeners, resync),
    });
  }

  /**
   * Connect, and wait for the first sync at most `startTimeout`; never
   * fails because Redis is down (the connections keep retrying).
   *
   * @throws Error when ioredis is not installed.
   */
  async start(): Promise<void> {
    if (this.commands === undefined) {
      const {redis, connectionName, maxRetryDelay} = this.options;
      const connect = (role: string, commandTimeout: number) =>
        createRedisClient(redis, {
          connectionName: `${connectionName}:${role}`,
          maxRetryDelay,
          commandTimeout,
        });
      const reader = connect('events', BLOCK_TIME + COMMAND_TIMEOUT);
      const commands = connect('commands', COMMAND_TIMEOUT);
      commands.on('ready', () => this.commandsReady.wake());
      this.commands = commands;
      this.reader.start(reader);
      for (const client of [commands, reader]) {
        client.connect().catch(() => {});
      }
    }
    const deadline = Date.now() + this.options.startTimeout;
    await this.reader.waitForSync(this.options.startTimeout);
    if (this.commands?.status !== 'ready' && Date.now() < deadline) {
      await this.commandsReady.wait(deadline - Date.now());
    }
  }

  /** Disconnect both connections; no timer or socket of ours remains. */
  async stop(): Promise<void> {
    this.commands?.disconnect();
    this.commands = undefined;
    this.commandsReady.wake();
    await this.reader.stop();
  }

  /**
   * Write the event to the stream (and a suspend or resume to the hash, in
   * the same `MULTI`).
   *
   * @throws Error at once while Redis is unreachable; TypeError for an
   * invalid event.
   */
  async publish(event: TenantEvent): Promise<void> {
    const valid = parseTenantEvent(event);
    if (valid === undefined) throw new TypeError('Not a valid tenant event');
    const commands = this.commands;
    if (commands?.status !== 'ready') {
      throw new Error('Not connected to Redis');
    }
    await writeTenantEvent(commands, valid, {
      ...this.keys,
      maxStreamLength: this.options.maxStreamLength,
      signer: this.signer,
    });
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
    if (this.commands?.status !== 'ready') {
      throw new Error('Not connected to Redis');
    }
    const {tenantIds} = await readSuspendedTenants(
      this.commands,
      this.keys.suspendedKey,
      this.signer,
    );
    return tenantIds;
  }

  /**
   * In sync when the event reader is and publishing would be accepted: an
   * instance that cannot publish refuses admin actions with 503.
   */
  status(): TenantEventsStatus {
    const status = this.reader.status();
    if (status.isInSync && this.commands?.status !== 'ready') {
      return {...status, isInSync: false, reason: NOT_PUBLISHING};
    }
    return status;
  }

  /** Whether this instance is connected and in sync with the fleet. */
  isConnected(): boolean {
    return this.status().isInSync;
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
