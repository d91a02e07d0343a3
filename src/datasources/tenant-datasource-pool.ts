// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {isTenantLeased, onLeasesEnded} from '../context/tenant-lease';
import {tenantDataSourceUnavailableError} from '../errors';
import type {ModelRegistry} from '../registry/model-registry';
import {selfBounded} from './datasource-closer';
import {OpenSlots} from './open-slots';
import {TenantDataSourceEntry as Entry} from './tenant-datasource-entry';
import type {
  DataSourceHolder,
  TenantDataSourceFactorySource,
  TenantDataSourcePoolOptions,
  TenantDataSourcePoolStats,
} from './tenant-datasource-types';

export type {TenantDataSourceFactory} from './tenant-datasource-types';

const debug = debugFactory('loopback:tenant-registry:datasource');

/** What the pool asks of the registry. */
type TenantOwner = Pick<ModelRegistry, 'trackDataSource' | 'evictTenant'>;

/**
 * One DataSource per tenant, opened on first use (single flight), checked
 * connected before it is lent, at most `maxOpen` open at once, and closed
 * with its tenant.
 *
 * @remarks
 * Each DataSource is tracked by the registry as its tenant's, through a
 * handle whose disconnect is this pool's close: evicting the tenant closes
 * it by that one path (one timeout, models dropped once, the slot freed).
 * The pool closes by itself only what no eviction closes: a broken
 * DataSource (replaced by a new one for the next request), one closed for
 * room whose tenant the registry does not know, and all on `stop()`. The
 * registry disconnects each handle once, when it evicts the tenant, and
 * counts a failed close then (`disconnectFailures`), whoever began it.
 *
 * A slot is held from the moment a DataSource starts opening until its pool
 * has closed. At `maxOpen`, the least recently used DataSource with nothing
 * in flight (no lease on its tenant, no response holding it) is closed first
 * by evicting its tenant; when all are busy the request waits up to
 * `acquireTimeout`, then gets 503. A closing DataSource is never lent: it
 * disconnects once the responses holding it have closed.
 *
 * @internal
 */
export class TenantDataSourcePool<DS extends object = object> {
  /**
   * Open DataSources by tenant. Recency is a counter stamped on each entry
   * when it is lent, not the map's order: moving a key to the end of a `Map`
   * on every request leaves dead entries in its hash chain until the next
   * rehash, a cost that grows with the tenants.
   */
  private readonly open = new Map<string, Entry<DS>>();
  private readonly opening = new Map<string, Promise<Entry<DS>>>();
  /** Closing or disconnecting: each will free a slot. */
  private readonly closing = new Set<Entry<DS>>();
  private readonly holders = new WeakMap<DataSourceHolder, Entry<DS>[]>();
  private readonly slots: OpenSlots;
  private readonly options: TenantDataSourcePoolOptions;
  private readonly counts = {
    creations: 0,
    failures: 0,
    replaced: 0,
    closedForRoom: 0,
    timeouts: 0,
  };
  private lendings = 0;
  private generation = 0;
  private stopWatchingLeases: (() => void) | undefined;

  /**
   * @param registry - Tracks each DataSource as its tenant's.
   * @param factory - The application's factory, or where to look it up
   * when a DataSource is first needed.
   * @param options - Limits; defaults: no cap, 1000 ms, 10000 ms.
   */
  constructor(
    private readonly registry: TenantOwner,
    private readonly factory: TenantDataSourceFactorySource<DS>,
    options: Partial<TenantDataSourcePoolOptions> = {},
  ) {
    this.options = {
      maxOpen: options.maxOpen ?? Infinity,
      acquireTimeout: options.acquireTimeout ?? 1000,
      disconnectTimeout: options.disconnectTimeout ?? 10000,
    };
    this.slots = new OpenSlots(
      this.options.maxOpen,
      this.options.acquireTimeout,
      {
        makeRoom: () => this.makeRoom(),
        waitingChanged: waiting => this.watchLeases(waiting > 0),
      },
    );
  }

  /**
   * The tenant's DataSource, opened on first use.
   *
   * @param tenantId - A validated tenant id.
   * @param holder - When given (the HTTP response), the DataSource counts
   * as in use until it emits `close`.
   * @throws TenantRegistryError `TENANT_DATASOURCE_UNAVAILABLE` when it
   * cannot be opened or no slot frees up within `acquireTimeout`.
   */
  async get(tenantId: string, holder?: DataSourceHolder): Promise<DS> {
    for (let attempt = 1; ; attempt++) {
      const entry = this.open.get(tenantId) ?? (await this.opened(tenantId));
      if (entry.state === 'open' && !entry.isBroken) {
        return this.lend(entry, holder);
      }
      if (entry.state === 'open') {
        this.counts.replaced++;
        this.close(entry);
      }
      if (attempt === 3) {
        throw tenantDataSourceUnavailableError(
          tenantId,
          new Error('its DataSource broke again right after opening'),
        );
      }
    }
  }

  /** The pool's counters. */
  getStats(): TenantDataSourcePoolStats {
    let connections = 0;
    for (const entry of this.open.values()) connections += entry.connections;
    for (const entry of this.closing) connections += entry.connections;
    return {
      live: this.open.size,
      slots: this.slots.inUse,
      waiting: this.slots.waiting,
      connections,
      ...this.counts,
    };
  }

  /** Close every DataSource now and fail the waiting requests (app stop). */
  async stop(): Promise<void> {
    this.generation++;
    this.slots.rejectAll(new Error('the application is stopping'));
    await Promise.allSettled([...this.opening.values()]);
    for (const entry of [...this.open.values()]) this.close(entry);
    const closing = [...this.closing];
    for (const entry of closing) entry.disconnect();
    await Promise.all(closing.map(entry => entry.closed));
  }

  private opened(tenantId: string): Promise<Entry<DS>> {
    let pending = this.opening.get(tenantId);
    if (pending === undefined) {
      pending = this.openEntry(tenantId);
      this.opening.set(tenantId, pending);
      const settled = () => this.opening.delete(tenantId);
      pending.then(settled, settled);
    }
    return pending;
  }

  private async openEntry(tenantId: string): Promise<Entry<DS>> {
    const source = this.factory;
    const factory = typeof source === 'function' ? source : await source.get();
    if (factory === undefined) throw missingFactoryError();
    const generation = this.generation;
    try {
      await this.slots.acquire();
    } catch (error: unknown) {
      this.counts.timeouts++;
      const retryAfter = Math.ceil(this.options.acquireTimeout / 1000);
      throw tenantDataSourceUnavailableError(
        tenantId,
        error,
        Math.max(1, retryAfter),
      );
    }
    let entry: Entry<DS> | undefined;
    try {
      const dataSource: DS = await factory(tenantId);
      const opened = new Entry<DS>(
        tenantId,
        dataSource,
        this.options.disconnectTimeout,
        closed => {
          this.closing.delete(closed);
          this.slots.release();
        },
      );
      entry = opened;
      await opened.connect();
      if (generation !== this.generation) throw new Error('stopped');
      this.registry.trackDataSource(
        tenantId,
        selfBounded(async () => {
          this.close(opened);
          await opened.closed;
          if (opened.failure !== undefined) throw opened.failure;
        }),
      );
      opened.state = 'open';
      opened.lastLent = ++this.lendings; // the newest until it is lent
      this.open.set(tenantId, opened);
      this.counts.creations++;
      return opened;
    } catch (error: unknown) {
      this.counts.failures++;
      debug('opening the DataSource of %s failed: %s', tenantId, error);
      if (entry === undefined) this.slots.release();
      else this.close(entry);
      throw tenantDataSourceUnavailableError(tenantId, error);
    }
  }

  /** Lend it, counted as held until `holder` (if any) emits `close`. */
  private lend(entry: Entry<DS>, holder?: DataSourceHolder): DS {
    entry.lastLent = ++this.lendings;
    if (holder === undefined || holder.closed === true) {
      return entry.dataSource;
    }
    entry.checkouts++;
    let held = this.holders.get(holder);
    if (held === undefined) {
      // One listener per response, however many DataSources it holds.
      const entries: Entry<DS>[] = (held = []);
      this.holders.set(holder, entries);
      holder.once('close', () => {
        this.holders.delete(holder);
        for (const returned of entries) returned.checkIn();
        if (this.slots.waiting > 0) this.makeRoom();
      });
    }
    held.push(entry);
    return entry.dataSource;
  }

  /**
   * Close the least recently used idle DataSources until the disconnects
   * under way cover the waiters. It evicts the tenant rather than closing
   * only the DataSource: the tenant's models live on that DataSource's
   * builder, so keeping the tenant would keep dead models.
   */
  private makeRoom(): void {
    let needed = this.slots.waiting;
    for (const entry of this.closing) {
      if (entry.state === 'disconnecting') needed--;
    }
    if (needed <= 0) return;
    // Rare (only while requests wait for a slot) and over at most maxOpen
    // entries: sorting here keeps lending O(1).
    const idle = [...this.open.values()]
      .filter(e => e.checkouts === 0 && !isTenantLeased(e.tenantId))
      .sort((a, b) => a.lastLent - b.lastLent)
      .slice(0, needed);
    for (const entry of idle) {
      this.counts.closedForRoom++;
      this.registry.evictTenant(entry.tenantId, 'capacity');
      this.close(entry); // done by the eviction, unless the tenant was unknown
    }
  }

  /** Lend it no more (see `TenantDataSourceEntry.close`). */
  private close(entry: Entry<DS>): void {
    if (entry.state === 'open' || entry.state === 'opening') {
      if (this.open.get(entry.tenantId) === entry) {
        this.open.delete(entry.tenantId);
      }
      this.closing.add(entry);
    }
    entry.close();
  }

  private watchLeases(isWaiting: boolean): void {
    if (isWaiting && this.stopWatchingLeases === undefined) {
      this.stopWatchingLeases = onLeasesEnded(tenantId => {
        if (this.open.has(tenantId)) this.makeRoom();
      });
    } else if (!isWaiting && this.stopWatchingLeases !== undefined) {
      this.stopWatchingLeases();
      this.stopWatchingLeases = undefined;
    }
  }
}

function missingFactoryError(): Error {
  return new Error(
    'TenantRegistryBindings.TENANT_DATASOURCE needs a factory: bind a ' +
      'function (tenantId) => DataSource at ' +
      'TenantRegistryBindings.DATASOURCE_FACTORY.',
  );
}
