// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {MessageSigner} from './message-signer';
import {createRedisClient, execMulti, type RedisClient} from './redis-client';
import {RedisEventReader, WakeUp} from './redis-event-reader';
import {encodeStreamEntry, xaddCommand} from './redis-stream';
import {
  readSuspendedTenants,
  suspendedTenantValue,
} from './redis-suspended-tenants';
import {
  resolveRedisTenantEventsOptions,
  type RedisTenantEventsOptions,
} from './redis-tenant-events-options';
import {
  parseTenantEvent,
  type TenantEvent,
  type TenantEvents,
  type TenantEventsResync,
  type TenantEventsStatus,
} from './tenant-event';

const debug = debugFactory('loopback:tenant-registry:fleet');

/** XREAD's BLOCK: how long one read waits for news, in milliseconds. */
const BLOCK_TIME = 5000;
/** A reply due for this long means a dead connection, in milliseconds. */
const COMMAND_TIMEOUT = 5000;

/**
 * Tenant events over Redis, with `ioredis` (an optional peer dependency:
 * install it to use this class). Redis holds the truth, and every instance
 * resyncs on every (re)connect, so the fleet converges (see `docs/fleet.md`).
 *
 * @remarks
 * - Suspended tenants live in a hash (`<prefix>suspended`), events in a
 *   stream (`<prefix>events`, trimmed to about `maxStreamLength`).
 * - Each instance reads the stream from the last entry it saw, so events
 *   published while it was away are replayed. When some may be gone (a
 *   *gap*), it evicts every tenant it holds (`status().gaps`, `lastGap`).
 * - Connections retry forever; while Redis is down, `publish()` fails at
 *   once and HTTP keeps being served.
 *
 * @example
 * ```ts
 * app.bind(TenantRegistryBindings.TENANT_EVENTS).to(
 *   new RedisTenantEvents({redis: process.env.REDIS_URL!, prefix: 'shop:'}),
 * );
 * ```
 */
export class RedisTenantEvents implements TenantEvents {
  private readonly options: ReturnType<typeof resolveRedisTenantEventsOptions>;
  private readonly suspendedKey: string;
  private readonly signer: MessageSigner | undefined;
  private readonly reader: RedisEventReader;
  private readonly listeners = new Set<(event: TenantEvent) => void>();
  private readonly resyncListeners = new Set<(r: TenantEventsResync) => void>();
  private commands: RedisClient | undefined;
  private readonly commandsReady = new WakeUp();

  /** @throws TenantRegistryError `INVALID_OPTION` for a bad option. */
  constructor(options: RedisTenantEventsOptions) {
    this.options = resolveRedisTenantEventsOptions(options);
    const {prefix, signingKey, maxRetryDelay, maxStreamLength} = this.options;
    this.suspendedKey = `${prefix}suspended`;
    this.signer = signingKey && new MessageSigner(signingKey);
    this.reader = new RedisEventReader({
      streamKey: `${prefix}events`,
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
      for (const client of [commands, reader]) client.connect().catch(() => {});
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
    const {prefix, maxStreamLength} = this.options;
    const entry = encodeStreamEntry(valid, this.signer);
    const writes = [xaddCommand(`${prefix}events`, maxStreamLength, entry)];
    if (type === 'suspend') {
      const value = suspendedTenantValue(tenantId, this.signer);
      writes.unshift(['hset', this.suspendedKey, tenantId, value]);
    } else if (type === 'resume') {
      writes.unshift(['hdel', this.suspendedKey, tenantId]);
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
    const commands = this.connectedCommands();
    const {suspendedKey, signer} = this;
    return (await readSuspendedTenants(commands, suspendedKey, signer))
      .tenantIds;
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
