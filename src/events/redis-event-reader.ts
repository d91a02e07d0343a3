// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {retryDelay} from './backoff';
import type {MessageSigner} from './message-signer';
import {reconnectIfTimedOut, type RedisClient} from './redis-client';
import {
  compareStreamIds,
  mayHaveLostEntriesAfter,
  parseXReadReply,
  readStreamInfo,
} from './redis-stream';
import {readSuspendedTenants} from './redis-suspended-tenants';
import {decodeStreamEntry} from './stream-entry';
import {WakeUp} from './wake-up';
import type {
  TenantEvent,
  TenantEventsResync,
  TenantEventsStatus,
} from './tenant-event';

const debug = debugFactory('loopback:tenant-registry:events');

const NOT_CONNECTED = 'not connected to Redis; retrying';

/** Entries per XREAD: bounds what one read holds in memory. */
const BATCH_SIZE = 100;

/** What {@link RedisEventReader} reads and whom it tells. @internal */
export interface RedisEventReaderOptions {
  streamKey: string;
  suspendedKey: string;
  signer: MessageSigner | undefined;
  /** XREAD's BLOCK, in milliseconds. */
  blockTime: number;
  /** Cap of the retry backoff after a failed resync, in milliseconds. */
  maxRetryDelay: number;
  onEvent(event: TenantEvent): void;
  onResync(resync: TenantEventsResync): void;
}

/**
 * Follows the fleet on its own connection (XREAD BLOCK holds it). Each time
 * the connection is ready it resyncs: it re-reads the suspended tenants,
 * notes whether events it has not read may be gone, then reads the stream
 * from the last entry it saw, so that what it missed is replayed. A failed
 * step is retried with a capped backoff, forever, until `stop()`.
 *
 * @internal
 */
export class RedisEventReader {
  private client: RedisClient | undefined;
  private loop: Promise<void> | undefined;
  private isInSync = false;
  private reason = 'not started';
  private counters = {resyncs: 0, replayed: 0, rejected: 0};
  private attempt = 0;
  /** The last entry read; kept across reconnects and restarts. */
  private lastId: string | undefined;
  /** Entries added up to `lastId`, when Redis counts them (7 and later). */
  private seen: number | undefined;
  /** Entries up to this id were missed while away. */
  private replayUntil: string | undefined;
  /** Ends a pause: the connection is ready, or `stop()`. */
  private readonly wakeUp = new WakeUp();
  /** Ends `waitForSync()`. */
  private readonly synced = new WakeUp();

  constructor(private readonly options: RedisEventReaderOptions) {}

  /** Follow the fleet through `client` (connected by the caller). */
  start(client: RedisClient): void {
    if (this.client !== undefined) return;
    this.client = client;
    this.setOutOfSync('connecting to Redis');
    client.on('ready', () => this.wakeUp.wake());
    client.on('close', () => {
      if (this.client === client) {
        this.setOutOfSync(NOT_CONNECTED);
      }
    });
    this.loop = this.supervise(client);
  }

  /** Disconnect and wait for the loop to end. Idempotent. */
  async stop(): Promise<void> {
    const {client, loop} = this;
    if (client === undefined) return;
    this.client = undefined;
    client.disconnect();
    this.wakeUp.wake();
    await loop;
    this.setOutOfSync('stopped');
  }

  /** Resolve when in sync, or after `timeout` milliseconds, or on stop. */
  async waitForSync(timeout: number): Promise<void> {
    if (this.isInSync || this.client === undefined || timeout <= 0) return;
    await this.synced.wait(timeout);
  }

  status(): TenantEventsStatus {
    return {
      isInSync: this.isInSync,
      ...(!this.isInSync && {reason: this.reason}),
      ...this.counters,
    };
  }

  private async supervise(client: RedisClient): Promise<void> {
    while (this.client === client) {
      try {
        if (client.status !== 'ready') {
          await this.wakeUp.wait();
          continue;
        }
        await this.resync(client);
        await this.follow(client);
      } catch (error: unknown) {
        if (this.client !== client) break;
        reconnectIfTimedOut(client, error);
        const message = String((error as Error)?.message ?? error);
        debug('tenant events: %s', message);
        this.setOutOfSync(
          client.status === 'ready'
            ? `reading the fleet's state failed: ${message.slice(0, 200)}`
            : NOT_CONNECTED,
        );
        const delay = retryDelay(++this.attempt, this.options.maxRetryDelay);
        await this.wakeUp.wait(delay);
      }
    }
    this.synced.wake();
  }

  private async resync(client: RedisClient): Promise<void> {
    const info = await readStreamInfo(client, this.options.streamKey);
    const end = info?.lastGeneratedId ?? '0-0';
    const isFirst = this.lastId === undefined;
    const hasMissedEvictions =
      !isFirst && mayHaveLostEntriesAfter(this.lastId!, this.seen, info);
    await this.readSuspended(client, hasMissedEvictions);
    // Moved only once the resync was delivered, so that a gap is reported
    // again if it was not. After a gap every tenant was evicted: what is
    // left to replay is moot.
    if (isFirst || hasMissedEvictions) {
      this.lastId = end;
      this.seen = info === undefined ? 0 : info.entriesAdded;
    }
    this.replayUntil = isFirst || hasMissedEvictions ? undefined : end;
    this.counters.resyncs++;
    this.isInSync = true;
    this.synced.wake();
    debug('tenant events in sync (missed evictions: %s)', hasMissedEvictions);
  }

  private async follow(client: RedisClient): Promise<void> {
    const {streamKey, blockTime, signer} = this.options;
    while (this.client === client) {
      const reply = await client.call(
        'xread',
        'COUNT',
        BATCH_SIZE,
        'BLOCK',
        blockTime,
        'STREAMS',
        streamKey,
        this.lastId!,
      );
      this.attempt = 0;
      let isSuspensionChanged = false;
      for (const {id, fields} of parseXReadReply(reply)) {
        this.lastId = id;
        if (this.seen !== undefined) this.seen++;
        const event = decodeStreamEntry(fields, signer);
        if (event === undefined) {
          this.counters.rejected++;
          debug('dropped a malformed or unsigned tenant event (%s)', id);
          continue;
        }
        const until = this.replayUntil;
        if (until !== undefined && compareStreamIds(id, until) <= 0) {
          this.counters.replayed++;
        }
        isSuspensionChanged ||= event.type !== 'evict';
        this.options.onEvent(event);
      }
      // A suspend or resume says that the hash changed; the hash says how.
      if (isSuspensionChanged) await this.readSuspended(client, false);
    }
  }

  private async readSuspended(
    client: RedisClient,
    hasMissedEvictions: boolean,
  ): Promise<void> {
    const {suspendedKey, signer} = this.options;
    const {tenantIds, rejected} = await readSuspendedTenants(
      client,
      suspendedKey,
      signer,
    );
    if (rejected > 0) debug('dropped %d suspended tenant entries', rejected);
    this.counters.rejected += rejected;
    this.options.onResync({suspendedTenantIds: tenantIds, hasMissedEvictions});
  }

  private setOutOfSync(reason: string): void {
    this.isInSync = false;
    this.reason = reason;
  }
}
