// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import type {MessageSigner} from './message-signer';
import {
  reconnectIfTimedOut,
  retryDelay,
  type RedisClient,
} from './redis-client';
import {
  decodeStreamEntry,
  isAnchorEntry,
  readStream,
  writeStreamAnchor,
} from './redis-stream';
import {readSuspendedTenants} from './redis-suspended-tenants';
import {
  compareStreamIds,
  findStreamGap,
  streamEnd,
  type StreamGapReason,
  type StreamPosition,
  type StreamState,
} from './stream-gap';
import type {
  TenantEvent,
  TenantEventsResync,
  TenantEventsStatus,
} from './tenant-event';

const debug = debugFactory('loopback:tenant-registry:fleet');

const NOT_CONNECTED = 'not connected to Redis; retrying';

/** Entries per XREAD: bounds what one read holds in memory. */
const BATCH_SIZE = 100;

/** What {@link RedisEventReader} reads (times in milliseconds). @internal */
export interface RedisEventReaderOptions {
  streamKey: string;
  suspendedKey: string;
  signer: MessageSigner | undefined;
  /** XREAD's BLOCK. */
  blockTime: number;
  maxRetryDelay: number;
  /** The stream's trim length, for the anchors it writes. */
  maxStreamLength: number;
  onEvent(event: TenantEvent): void;
  onResync(resync: TenantEventsResync): void;
}

/**
 * Follows the fleet on its own connection (XREAD BLOCK holds it). Each time
 * the connection is ready it resyncs: it re-reads the suspended tenants,
 * checks for a gap (events it has not read may be gone), then reads the
 * stream from the last entry it saw, so that what it missed is replayed.
 * Every batch is read in one transaction with the stream's state, checked
 * for a gap too. A gap is counted and resynced with `hasMissedEvictions`.
 * A failed step is retried with a capped backoff until `stop()`.
 *
 * @internal
 */
export class RedisEventReader {
  private client: RedisClient | undefined;
  private loop: Promise<void> | undefined;
  private isInSync = false;
  private reason = 'not started';
  private counters = {resyncs: 0, replayed: 0, rejected: 0, gaps: 0};
  private lastGap: TenantEventsStatus['lastGap'];
  private attempt = 0;
  /** Kept across reconnects and restarts. */
  private position: StreamPosition | undefined;
  /** Entries up to this id were missed while away (replayed). */
  private replayUntil: string | undefined;
  /** Ends a pause: the connection is ready, or `stop()`. */
  private readonly wakeUp = new WakeUp();
  private readonly synced = new WakeUp();

  constructor(private readonly options: RedisEventReaderOptions) {}

  /** Follow the fleet through `client` (connected by the caller). */
  start(client: RedisClient): void {
    if (this.client !== undefined) return;
    this.client = client;
    this.setOutOfSync('connecting to Redis');
    client.on('ready', () => this.wakeUp.wake());
    client.on('close', () => {
      if (this.client === client) this.setOutOfSync(NOT_CONNECTED);
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
      ...(this.lastGap && {lastGap: {...this.lastGap}}),
    };
  }

  private async supervise(client: RedisClient): Promise<void> {
    while (this.client === client) {
      try {
        if (client.status !== 'ready') {
          await this.wakeUp.wait();
          continue;
        }
        // (Re)connected: resync, with whatever went on while away.
        const {position} = this;
        const lastId = position?.lastId ?? '0-0';
        const {stream} = await readStream(
          client,
          this.options.streamKey,
          lastId,
          0,
        );
        await this.resync(
          client,
          stream,
          position && findStreamGap(position, stream, true),
        );
        await this.follow(client);
      } catch (error: unknown) {
        if (this.client !== client) break;
        reconnectIfTimedOut(client, error);
        const message = String((error as Error)?.message ?? error);
        debug('reading the fleet events failed: %s', message);
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

  /**
   * Re-read the suspended tenants and tell, with whether evictions may have
   * been missed; on a first sync or a gap, start over at the stream's end
   * (after a gap every tenant is evicted, so what is left to replay is
   * moot); otherwise what was added while away is about to be replayed.
   */
  private async resync(
    client: RedisClient,
    stream: StreamState | undefined,
    gap: StreamGapReason | undefined,
  ): Promise<void> {
    await this.readSuspended(client, gap !== undefined);
    // Counted and moved only once the resync was delivered, so that a gap
    // is found again if it was not.
    if (gap !== undefined) {
      this.counters.gaps++;
      this.lastGap = {reason: gap, at: new Date().toISOString()};
      debug('a gap in the fleet events (%s): evicting every tenant', gap);
    }
    if (this.position === undefined || gap !== undefined) {
      this.position = streamEnd(stream);
      this.replayUntil = undefined;
    } else {
      this.replayUntil = stream?.lastGeneratedId;
    }
    if (!this.position.isEntry) {
      // Best effort: without an anchor, the next absence is a gap.
      const {streamKey, maxStreamLength} = this.options;
      await writeStreamAnchor(client, streamKey, maxStreamLength).catch(
        (error: unknown) => debug('could not add an anchor: %s', error),
      );
    }
    this.counters.resyncs++;
    this.isInSync = true;
    this.synced.wake();
    debug('fleet events in sync (gap: %s)', gap ?? 'none');
  }

  private async follow(client: RedisClient): Promise<void> {
    const {streamKey, blockTime, signer} = this.options;
    while (this.client === client) {
      const position = this.position!;
      const {stream, entries} = await readStream(
        client,
        streamKey,
        position.lastId,
        BATCH_SIZE,
      );
      this.attempt = 0;
      const gap = findStreamGap(position, stream, false);
      if (gap !== undefined) {
        await this.resync(client, stream, gap);
        continue;
      }
      let isSuspensionChanged = false;
      let {entriesAdded} = position;
      for (const {id, fields} of entries) {
        if (entriesAdded !== undefined) entriesAdded++;
        this.position = {lastId: id, entriesAdded, isEntry: true};
        if (isAnchorEntry(fields)) continue;
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
      if (entries.length < BATCH_SIZE) {
        // Caught up: wait for news, then read again (with the gap check).
        const {lastId} = this.position!;
        await client.call(
          'xread',
          ...['COUNT', 1, 'BLOCK', blockTime, 'STREAMS', streamKey, lastId],
        );
      }
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

/**
 * Waits that end when woken, or after `delay` milliseconds if given (the
 * timer unref'ed and cleared when the wait ends).
 *
 * @internal
 */
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

  /** End every wait in progress. */
  wake(): void {
    for (const done of [...this.waiters]) done();
  }
}
