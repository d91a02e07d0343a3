// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import type {Redis, RedisOptions} from 'ioredis';
import {
  parseTenantEvent,
  type TenantEvent,
  type TenantEvents,
  type TenantEventsStatus,
} from './tenant-event';

const debug = debugFactory('loopback:tenant-registry:events');

/** Options of {@link RedisTenantEvents}. */
export interface RedisTenantEventsOptions {
  /** A Redis URL (`redis://127.0.0.1:6379`) or ioredis options. */
  redis: string | RedisOptions;
  /**
   * Prefix of the channel (`<prefix>events`) and of the set of suspended
   * tenants (`<prefix>suspended`). @defaultValue `'tenant-registry:'`
   */
  prefix?: string;
}

/**
 * Tenant events over Redis pub/sub, with `ioredis` (an optional peer
 * dependency: install it to use this class).
 *
 * @remarks
 * Two connections: one subscribed to the channel, one for commands. Both
 * reconnect with a capped backoff when Redis goes away, and ioredis
 * re-subscribes on reconnect. While Redis is down, `publish()` fails at once
 * (no offline queue), so callers learn the fleet was not told; HTTP keeps
 * being served. Suspended tenants are also kept in a Redis set, read by an
 * instance when it starts. Malformed messages are counted and dropped.
 */
export class RedisTenantEvents implements TenantEvents {
  malformed = 0;
  private readonly channel: string;
  private readonly suspendedKey: string;
  private readonly listeners = new Set<(event: TenantEvent) => void>();
  private publisher: Redis | undefined;
  private subscriber: Redis | undefined;

  constructor(private readonly options: RedisTenantEventsOptions) {
    const prefix = options.prefix ?? 'tenant-registry:';
    this.channel = `${prefix}events`;
    this.suspendedKey = `${prefix}suspended`;
  }

  async start(): Promise<void> {
    if (this.publisher !== undefined) return;
    // Loaded here so that ioredis is needed only by apps that use Redis.
    const {default: IORedis} = require('ioredis') as typeof import('ioredis');
    const base: RedisOptions = {
      retryStrategy: attempt => Math.min(50 * 2 ** attempt, 1000),
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: true,
    };
    const connect = (extra: RedisOptions) =>
      typeof this.options.redis === 'string'
        ? new IORedis(this.options.redis, {...base, ...extra})
        : new IORedis({...this.options.redis, ...base, ...extra});
    this.publisher = connect({});
    // The subscriber queues its SUBSCRIBE until connected and re-subscribes
    // after every reconnect.
    this.subscriber = connect({enableOfflineQueue: true});
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', error => debug('redis: %s', error.message));
    }
    this.subscriber.on('message', (_channel: string, message: string) =>
      this.receive(message),
    );
    await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
    await this.subscriber.subscribe(this.channel);
  }

  async stop(): Promise<void> {
    const clients = [this.publisher, this.subscriber];
    this.publisher = this.subscriber = undefined;
    await Promise.all(
      clients.map(client => client?.quit().catch(() => client.disconnect())),
    );
  }

  async publish(event: TenantEvent): Promise<void> {
    const publisher = this.requirePublisher();
    const pipeline = publisher.multi();
    if (event.type === 'suspend')
      pipeline.sadd(this.suspendedKey, event.tenantId);
    if (event.type === 'resume')
      pipeline.srem(this.suspendedKey, event.tenantId);
    pipeline.publish(this.channel, JSON.stringify(event));
    await pipeline.exec();
  }

  status(): TenantEventsStatus {
    const isInSync = this.isConnected();
    return {
      isInSync,
      ...(!isInSync && {reason: 'not connected to Redis'}),
      resyncs: 0,
      replayed: 0,
      rejected: this.malformed,
    };
  }

  /** Whether both connections are up (and the channel subscribed). */
  isConnected(): boolean {
    return (
      this.publisher?.status === 'ready' && this.subscriber?.status === 'ready'
    );
  }

  subscribe(listener: (event: TenantEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async suspendedTenants(): Promise<string[]> {
    return this.requirePublisher().smembers(this.suspendedKey);
  }

  private receive(message: string): void {
    const event = parseTenantEvent(message);
    if (event === undefined) {
      this.malformed++;
      debug('dropped a malformed tenant event');
      return;
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error: unknown) {
        debug('a tenant event listener threw: %s', error);
      }
    }
  }

  private requirePublisher(): Redis {
    if (this.publisher === undefined) {
      throw new Error('RedisTenantEvents is not started');
    }
    return this.publisher;
  }
}
