// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {MessageSigner} from './message-signer';
import {
  createRedisClient,
  execMulti,
  type RedisArgument,
  type RedisClient,
} from './redis-client';
import {RedisEventReader} from './redis-event-reader';
import {
  readSuspendedTenants,
  suspendedTenantValue,
} from './redis-suspended-tenants';
import {
  resolveRedisTenantEventsOptions,
  type RedisTenantEventsOptions,
  type ResolvedRedisTenantEventsOptions,
} from './redis-tenant-events-options';
import {encodeStreamEntry, xaddCommand} from './stream-entry';
import {
  parseTenantEvent,
  type TenantEvent,
  type TenantEvents,
  type TenantEventsResync,
  type TenantEventsStatus,
} from './tenant-event';
import {WakeUp} from './wake-up';

const debug = debugFactory('loopback:tenant-registry:fleet');

/** XREAD's BLOCK: how long one read waits for news, in milliseconds. */
const BLOCK_TIME = 5000;
/** A reply due for this long means a dead connection, in milliseconds. */
const COMMAND_TIMEOUT = 5000;

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
 *   `resume` entry too: an event that disagrees with the hash loses.
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
  private readonly streamKey: string;
  private readonly suspendedKey: string;
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
    const {prefix, signingKey, maxRetryDelay, maxStreamLength} = this.options;
    this.streamKey = `${prefix}events`;
    this.suspendedKey = `${prefix}suspended`;
    this.signer = signingKey && new MessageSigner(signingKey);
    this.reader = new RedisEventReader({
      streamKey: this.streamKey,
      suspendedKey: this.suspendedKey,
      signer: this.signer,
      blockTime: BLOCK_TIME,
      maxRetryDelay,
      maxStreamLength,
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
      commands.on('ready', () => this.commandsReady.wake());
      this.commands = commands;
      this.reader.start(reader);
      for (const client of [commands, reader]) {
        client.connect().catch(() => {});
      }
    }
    const deadline = Date.now() + startTimeout;
    await this.reader.waitForSync(startTimeout);
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
   * Write the event to the stream in one `MULTI` with, for a suspend or a
   * resume, the change to the hash (the truth; the stream is the news).
   *
   * @throws Error at once while Redis is unreachable; TypeError for an
   * invalid event.
   */
  async publish(event: TenantEvent): Promise<void> {
    const valid = parseTenantEvent(event);
    if (valid === undefined) throw new TypeError('Not a valid tenant event');
    const commands = this.connectedCommands();
    const {type, tenantId} = valid;
    const writes: RedisArgument[][] = [];
    if (type === 'suspend') {
      const value = suspendedTenantValue(tenantId, this.signer);
      writes.push(['hset', this.suspendedKey, tenantId, value]);
    } else if (type === 'resume') {
      writes.push(['hdel', this.suspendedKey, tenantId]);
    }
    const entry = encodeStreamEntry(valid, this.signer);
    writes.push(
      xaddCommand(this.streamKey, this.options.maxStreamLength, entry),
    );
    const failed = (await execMulti(commands, writes)).find(
      ([e]) => e !== null,
    );
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
    const {tenantIds} = await readSuspendedTenants(
      this.connectedCommands(),
      this.suspendedKey,
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
