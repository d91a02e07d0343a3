// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {onLeasesEnded} from '../context/tenant-lease';
import {tenantDataSourceUnavailableError} from '../errors';
import type {ModelRegistry} from '../registry/model-registry';
import {DataSourceRetirement} from './datasource-retirement';
import {OpenSlots} from './open-slots';
import {TenantDataSourceEntry as Entry} from './tenant-datasource-entry';
import type {
  DataSourceHolder,
  TenantDataSourceCacheOptions,
  TenantDataSourceCacheStats,
  TenantDataSourceFactorySource,
} from './tenant-datasource-types';

export type {TenantDataSourceFactory} from './tenant-datasource-types';

const debug = debugFactory('loopback:tenant-registry:datasource');

/**
 * One DataSource per tenant, opened on first use (single flight), checked
 * connected before it is handed out, at most `maxOpen` open at once, and
 * closed with the tenant.
 *
 * @remarks
 * A slot is held from the moment a DataSource starts opening until its pool
 * has closed. At `maxOpen`, the least recently used DataSource with nothing
 * in flight (its tenant has no work in progress and no response holds it)
 * is closed first by evicting its tenant; when all are busy the request
 * waits up to `acquireTimeout`, then gets 503. A DataSource that saw a
 * connection error is never handed out again: the next request opens a new
 * one, and the old one closes once the responses holding it have closed.
 * A request is never given a DataSource that is closing.
 *
 * @internal
 */
export class TenantDataSourcePool<DS extends object = object> {
  /**
   * Open DataSources by tenant. Recency is a counter stamped on each entry
   * when it is lent, not the map's order: moving a key to the end of a `Map`
   * (delete, then set) on every request leaves dead entries in its hash
   * chain until the next rehash, and that cost grows with the tenants.
   */
  private readonly open = new Map<string, Entry<DS>>();
  private lendings = 0;
  private readonly opening = new Map<string, Promise<Entry<DS>>>();
  private readonly slots: OpenSlots;
  private readonly retirement: DataSourceRetirement<DS>;
  private readonly counts = {
    creations: 0,
    failures: 0,
    replaced: 0,
    closedForRoom: 0,
    timeouts: 0,
  };
  private stopWatchingWork: (() => void) | undefined;
  private generation = 0;

  private readonly options: TenantDataSourceCacheOptions;

  /**
   * @param registry - Tracks each DataSource with its tenant.
   * @param factory - The application's factory, or where to look it up
   * when a DataSource is first needed.
   * @param options - Limits; defaults: no cap, 1000 ms, 10000 ms.
   */
  constructor(
    private readonly registry: ModelRegistry,
    private readonly factory: TenantDataSourceFactorySource<DS>,
    options: Partial<TenantDataSourceCacheOptions> = {},
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
        waitingChanged: waiting => this.watchWork(waiting > 0),
      },
    );
    this.retirement = new DataSourceRetirement(
      this.slots,
      this.options.disconnectTimeout,
      () => {
        if (this.slots.waiting > 0) this.makeRoom();
      },
    );
    registry.on('tenantEvicted', ({tenantId}) => {
      const entry = this.open.get(tenantId);
      if (entry !== undefined) this.retire(entry).catch(() => {});
    });
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
        this.retire(entry).catch(() => {});
      }
      if (attempt === 3) {
        throw tenantDataSourceUnavailableError(
          tenantId,
          new Error('its DataSource broke again right after opening'),
        );
      }
    }
  }

  /** The cache's counters. */
  getStats(): TenantDataSourceCacheStats {
    const {open, slots} = this;
    let connections = this.retirement.connections;
    for (const entry of open.values()) connections += entry.connections;
    return {
      live: open.size,
      slots: slots.inUse,
      waiting: slots.waiting,
      connections,
      ...this.counts,
    };
  }

  /** Close every DataSource and fail the waiting requests (app stop). */
  async stop(): Promise<void> {
    this.generation++;
    this.slots.rejectAll(new Error('the application is stopping'));
    await Promise.allSettled([...this.opening.values()]);
    for (const entry of [...this.open.values()]) {
      this.retire(entry).catch(() => {});
    }
    await this.retirement.closeAll();
  }

  private opened(tenantId: string): Promise<Entry<DS>> {
    let pending = this.opening.get(tenantId);
    if (pending === undefined) {
      pending = this.openEntry(tenantId);
      this.opening.set(tenantId, pending);
      const forget = () => this.opening.delete(tenantId);
      pending.then(forget, forget);
    }
    return pending;
  }

  private async openEntry(tenantId: string): Promise<Entry<DS>> {
    const source = this.factory;
    const factory = typeof source === 'function' ? source : await source.get();
    if (factory === undefined) throw missingFactoryError();
    const generation = this.generation;
    const retryAfter = Math.max(
      1,
      Math.ceil(this.options.acquireTimeout / 1000),
    );
    try {
      await this.slots.acquire();
    } catch (error: unknown) {
      this.counts.timeouts++;
      throw tenantDataSourceUnavailableError(tenantId, error, retryAfter);
    }
    let entry: Entry<DS> | undefined;
    try {
      const dataSource = await factory(tenantId);
      const created: Entry<DS> = new Entry(tenantId, dataSource, () =>
        this.retire(created),
      );
      entry = created;
      await entry.connect();
      if (generation !== this.generation) throw new Error('stopped');
    } catch (error: unknown) {
      this.counts.failures++;
      debug('opening the DataSource of %s failed: %s', tenantId, error);
      if (entry === undefined) this.slots.release();
      else this.retirement.close(entry);
      throw tenantDataSourceUnavailableError(tenantId, error);
    }
    entry.state = 'open';
    this.counts.creations++;
    entry.lastLent = ++this.lendings; // newest until it is lent
    this.open.set(tenantId, entry);
    this.registry.trackDataSource(tenantId, entry.handle);
    return entry;
  }

  private lend(entry: Entry<DS>, holder?: DataSourceHolder): DS {
    entry.lastLent = ++this.lendings;
    if (holder !== undefined) this.retirement.checkOut(entry, holder);
    return entry.dataSource;
  }

  /**
   * Close the least recently used idle DataSources until the closes under
   * way cover the waiters. It evicts the tenant rather than closing only the
   * DataSource: the tenant's models live on that DataSource's builder, so
   * keeping the tenant would keep dead models; and the registry then stops
   * tracking it in the same step.
   */
  private makeRoom(): void {
    let needed = this.slots.waiting - this.retirement.closing.size;
    if (needed <= 0) return;
    // Rare (only while requests wait for a slot) and over at most maxOpen
    // entries: sorting here keeps lending O(1).
    const idle = [...this.open.values()]
      .filter(e => e.checkouts === 0 && !this.registry.isLeased(e.tenantId))
      .sort((a, b) => a.lastLent - b.lastLent);
    for (const entry of idle) {
      if (needed <= 0) return;
      const tenantId = entry.tenantId;
      this.counts.closedForRoom++;
      needed--;
      if (this.registry.evictTenant(tenantId, 'capacity') === undefined) {
        this.retire(entry).catch(() => {});
      }
    }
  }

  /** Stop handing it out (see `DataSourceRetirement`). */
  private retire(entry: Entry<DS>): Promise<void> {
    if (this.open.get(entry.tenantId) === entry) {
      this.open.delete(entry.tenantId);
    }
    return this.retirement.retire(entry);
  }

  private watchWork(isWaiting: boolean): void {
    if (isWaiting && this.stopWatchingWork === undefined) {
      this.stopWatchingWork = onLeasesEnded(tenantId => {
        if (this.open.has(tenantId)) this.makeRoom();
      });
    } else if (!isWaiting && this.stopWatchingWork !== undefined) {
      this.stopWatchingWork();
      this.stopWatchingWork = undefined;
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
