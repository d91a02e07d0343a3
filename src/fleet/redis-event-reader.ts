// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {
  decodeStreamEntry,
  readStream,
  readSuspendedTenants,
  xaddCommand,
  type MessageSigner,
} from './redis-store';
import {
  execMulti,
  reconnectIfTimedOut,
  retryDelay,
  WakeUp,
  type RedisClient,
} from './redis-client';
import {migrateLegacySuspended} from './redis-keys';
import {
  compareStreamIds,
  findStreamGap,
  streamEnd,
  type StreamGapReason,
  type StreamPosition,
  type StreamState,
} from './stream-gap';
import {
  INSTANCE_ID,
  type TenantEvent,
  type TenantEventsResync,
  type TenantEventsStatus,
} from './tenant-event';

const debug = debugFactory('loopback:tenant-registry:fleet');

const NOT_CONNECTED = 'not connected to Redis; retrying';

/** Entries per XREAD: bounds what one read holds in memory. */
const BATCH_SIZE = 100;

/** Times in milliseconds. @internal */
export interface RedisEventReaderOptions {
  streamKey: string;
  suspendedKey: string;
  /** Copied to `suspendedKey` on a first start on the new names. */
  legacySuspendedKey?: string;
  signer: MessageSigner | undefined;
  blockTime: number;
  maxRetryDelay: number;
  maxStreamLength: number;
  onEvent(event: TenantEvent): void;
  onResync(resync: TenantEventsResync): void;
}

// On each (re)connect it resyncs (the suspended tenants, a gap check), then
// replays from the last entry it saw; every batch is checked for a gap too.
/** Follows the fleet on its own connection (XREAD BLOCK holds it). @internal */
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

  constructor(private readonly options: RedisEventReaderOptions) {}

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

  async stop(): Promise<void> {
    const {client, loop} = this;
    if (client === undefined) return;
    this.client = undefined;
    client.disconnect();
    this.wakeUp.wake();
    await loop;
    this.setOutOfSync('stopped');
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
    const {maxRetryDelay} = this.options;
    while (this.client === client) {
      try {
        if (client.status === 'ready') await this.follow(client);
        else await this.wakeUp.wait();
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
        await this.wakeUp.wait(retryDelay(++this.attempt, maxRetryDelay));
      }
    }
  }

  // On a first sync or a gap (every tenant is evicted, so what is left to
  // replay is moot), start over at the stream's end.
  private async resync(
    client: RedisClient,
    stream: StreamState | undefined,
    gap: StreamGapReason | undefined,
  ): Promise<void> {
    // No stream yet: maybe a first start since the keys got a hash tag.
    if (stream === undefined) {
      await migrateLegacySuspended(client, this.options);
    }
    // Read first: if it fails, the gap is found again on the next try.
    const suspendedTenantIds = await this.readSuspended(client);
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
      // An *anchor*: an entry to recognise the stream by after an absence
      // (see findStreamGap). Best effort: without one, that absence is a gap.
      const {streamKey, maxStreamLength} = this.options;
      const anchor = ['anchor', INSTANCE_ID];
      await execMulti(client, [
        xaddCommand(streamKey, maxStreamLength, anchor),
      ]).catch((error: unknown) => debug('could not add an anchor: %s', error));
    }
    this.counters.resyncs++;
    this.isInSync = true;
    debug('fleet events in sync (gap: %s)', gap ?? 'none');
    const hasMissedEvictions = gap !== undefined;
    this.options.onResync({suspendedTenantIds, hasMissedEvictions});
  }

  /** Read on while connected, resyncing first, and on a gap. */
  private async follow(client: RedisClient): Promise<void> {
    const {streamKey, blockTime, signer} = this.options;
    let wasAway = true;
    while (this.client === client) {
      const lastId = this.position?.lastId ?? '0-0';
      const read = await readStream(client, streamKey, lastId, BATCH_SIZE);
      const gap =
        this.position && findStreamGap(this.position, read.stream, wasAway);
      if (wasAway || gap !== undefined) {
        const isStartingOver = this.position === undefined || gap !== undefined;
        await this.resync(client, read.stream, gap);
        wasAway = false;
        if (isStartingOver) continue;
      }
      this.attempt = 0;
      let position = this.position!;
      let isSuspensionChanged = false;
      for (const {id, fields} of read.entries) {
        const {entriesAdded: added} = position;
        position = {
          lastId: id,
          entriesAdded: added === undefined ? undefined : added + 1,
          isEntry: true,
        };
        this.position = position;
        if (fields?.[0] === 'anchor' && fields.length === 2) continue;
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
      if (isSuspensionChanged) {
        const suspendedTenantIds = await this.readSuspended(client);
        this.options.onResync({suspendedTenantIds, hasMissedEvictions: false});
      }
      if (read.entries.length < BATCH_SIZE) {
        // Caught up: wait for news, then read again (with the gap check).
        const since = ['STREAMS', streamKey, position.lastId];
        await client.call('xread', 'COUNT', 1, 'BLOCK', blockTime, ...since);
      }
    }
  }

  private async readSuspended(client: RedisClient): Promise<string[]> {
    const {suspendedKey, signer} = this.options;
    const read = await readSuspendedTenants(client, suspendedKey, signer);
    if (read.rejected > 0) debug('dropped %d suspended entries', read.rejected);
    this.counters.rejected += read.rejected;
    return read.tenantIds;
  }

  private setOutOfSync(reason: string): void {
    this.isInSync = false;
    this.reason = reason;
  }
}
