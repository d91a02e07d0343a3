// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import type {EventEmitter} from 'node:events';
import {isTenantLeased, onLeasesEnded} from '../context/tenant-lease';
import {tenantDataSourceUnavailableError} from '../errors';
import type {ModelRegistry} from '../registry/model-registry';
import {selfBounded} from './datasource-closer';
import {
  isTenantNotFound,
  resolveFactory,
  unwrapFactoryResult,
  type FactorySource,
} from './tenant-datasource-factory';
import {TenantDataSourceEntry as Entry} from './tenant-datasource-entry';

export type {TenantDataSourceFactory} from './tenant-datasource-factory';

const debug = debugFactory('loopback:tenant-registry:datasource');

type Registry = Pick<ModelRegistry, 'trackDataSource' | 'evictTenant'>;
/** Holds a DataSource until it emits `close`: an HTTP response. */
type Holder = Pick<EventEmitter, 'once'> & {readonly closed?: boolean};

/**
 * One DataSource per tenant, opened on first use (single flight), checked
 * connected before it is lent, at most `maxOpen` at once (a slot is held
 * from opening until closed). The registry tracks each through a handle whose
 * disconnect is this pool's close: evicting the tenant is the one close path,
 * but for a broken DataSource, one closed for room whose tenant the registry
 * does not know, and `stop()`. Closing never disconnects a DataSource the
 * factory lent (`{dataSource, owned: false}`); it drops its models.
 */
export class TenantDataSourcePool<DS extends object = object> {
  // Recency is a counter stamped when lent, not the map's order: moving a key
  // to the end of a `Map` leaves dead entries in its hash chain until rehash.
  private readonly open = new Map<string, Entry<DS>>();
  private readonly opening = new Map<string, Promise<Entry<DS>>>();
  /** Closing or disconnecting: each will free a slot. */
  private readonly closing = new Set<Entry<DS>>();
  private readonly holders = new WeakMap<Holder, Entry<DS>[]>();
  /** Each is called once: with an error to give up, else to take a slot. */
  private readonly waiters: ((error?: Error) => void)[] = [];
  private readonly counts = {
    creations: 0,
    failures: 0,
    notFound: 0,
    replaced: 0,
    closedForRoom: 0,
    timeouts: 0,
  };
  private readonly limits: Record<
    'maxOpen' | 'acquireTimeout' | 'disconnectTimeout',
    number
  >;
  private slots = 0;
  private lendings = 0;
  private generation = 0;
  private stopWatchingLeases: (() => void) | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly factory: FactorySource<DS>,
    // maxOpen counts DataSources opening, open or closing; a closed one waits
    // disconnectTimeout ms for its holders, then as long for its disconnect.
    {maxOpen = Infinity, acquireTimeout = 1000, disconnectTimeout = 10000} = {},
  ) {
    this.limits = {maxOpen, acquireTimeout, disconnectTimeout};
  }

  /**
   * The tenant's DataSource, held until `holder` (the response) emits
   * `close`; throws `TENANT_DATASOURCE_UNAVAILABLE` when it cannot be opened
   * or no slot frees up within `acquireTimeout`, and the factory's
   * `TENANT_NOT_FOUND` as it is.
   */
  async get(tenantId: string, holder?: Holder): Promise<DS> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const entry = this.open.get(tenantId) ?? (await this.opened(tenantId));
      if (entry.state !== 'open') continue;
      if (!entry.isBroken) return this.lend(entry, holder);
      this.counts.replaced++;
      this.close(entry);
    }
    const cause = new Error('its DataSource broke again right after opening');
    throw tenantDataSourceUnavailableError(tenantId, cause);
  }

  /** `live` is the open DataSources, `slots` also those opening or closing. */
  getStats() {
    let connections = 0;
    for (const entry of this.open.values()) connections += entry.connections;
    for (const entry of this.closing) connections += entry.connections;
    const {open, slots, waiters} = this;
    const waiting = waiters.length;
    return {live: open.size, slots, waiting, connections, ...this.counts};
  }

  /** Close every DataSource now and fail the waiting requests (app stop). */
  async stop(): Promise<void> {
    this.generation++;
    const stopping = new Error('the application is stopping');
    while (this.waiters.length > 0) this.waiters[0](stopping);
    await Promise.allSettled([...this.opening.values()]);
    for (const entry of [...this.open.values()]) this.close(entry);
    const closing = [...this.closing];
    for (const entry of closing) entry.disconnect();
    await Promise.all(closing.map(entry => entry.closed));
  }

  private opened(tenantId: string): Promise<Entry<DS>> {
    let pending = this.opening.get(tenantId);
    if (pending === undefined) {
      pending = this.openEntry(tenantId).finally(() =>
        this.opening.delete(tenantId),
      );
      this.opening.set(tenantId, pending);
    }
    return pending;
  }

  private async openEntry(tenantId: string): Promise<Entry<DS>> {
    const factory = await resolveFactory(this.factory);
    const generation = this.generation;
    await this.acquireSlot().catch((error: unknown) => {
      this.counts.timeouts++;
      const retryAfter = Math.ceil(this.limits.acquireTimeout / 1000) || 1;
      throw tenantDataSourceUnavailableError(tenantId, error, retryAfter);
    });
    let entry: Entry<DS> | undefined;
    try {
      const made = unwrapFactoryResult(await factory(tenantId));
      const opened = new Entry<DS>(
        tenantId,
        made.dataSource,
        made.isOwned,
        this.limits.disconnectTimeout,
        closed => {
          this.closing.delete(closed);
          this.releaseSlot();
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
      if (entry === undefined) this.releaseSlot();
      else this.close(entry);
      // Not a failure of the database: a 404, asked again next time.
      if (isTenantNotFound(error)) {
        this.counts.notFound++;
        debug('the factory does not know tenant %s', tenantId);
        throw error;
      }
      this.counts.failures++;
      debug('opening the DataSource of %s failed: %s', tenantId, error);
      throw tenantDataSourceUnavailableError(tenantId, error);
    }
  }

  private lend(entry: Entry<DS>, holder?: Holder): DS {
    entry.lastLent = ++this.lendings;
    if (holder === undefined || holder.closed) return entry.dataSource;
    entry.checkouts++;
    let held = this.holders.get(holder);
    if (held === undefined) {
      // One listener per response, however many DataSources it holds.
      const entries: Entry<DS>[] = (held = []);
      this.holders.set(holder, entries);
      holder.once('close', () => {
        this.holders.delete(holder);
        for (const returned of entries) returned.checkIn();
        if (this.waiters.length > 0) this.makeRoom();
      });
    }
    held.push(entry);
    return entry.dataSource;
  }

  /** At once when a slot is free and nobody waits, else in line. */
  private acquireSlot(): Promise<void> {
    if (this.slots < this.limits.maxOpen && this.waiters.length === 0) {
      this.slots++;
      return Promise.resolve();
    }
    const {limits, waiters} = this;
    const {acquireTimeout} = limits;
    return new Promise<void>((resolve, reject) => {
      const waiter = (error?: Error) => {
        clearTimeout(timer);
        waiters.splice(waiters.indexOf(waiter), 1);
        this.watchLeases();
        if (error !== undefined) return reject(error);
        this.slots++;
        resolve();
      };
      const message = `no DataSource slot freed up within ${acquireTimeout} ms`;
      const timer = setTimeout(
        () => waiter(new Error(message)),
        Math.min(acquireTimeout, 2 ** 31 - 1), // or setTimeout fires at once
      );
      timer.unref();
      waiters.push(waiter);
      this.watchLeases();
      this.makeRoom();
    });
  }

  private releaseSlot(): void {
    this.slots--;
    while (this.waiters.length > 0 && this.slots < this.limits.maxOpen) {
      this.waiters[0]();
    }
  }

  // Evicts the least recently used idle tenants until the disconnects under
  // way cover the waiters: the tenant, not only its DataSource, since its
  // models live on that DataSource's builder.
  private makeRoom(): void {
    let needed = this.waiters.length;
    for (const entry of this.closing) {
      if (entry.state === 'disconnecting') needed--;
    }
    if (needed <= 0) return;
    // Sorting here (only while requests wait) keeps lending O(1).
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

  private close(entry: Entry<DS>): void {
    if (entry.state === 'open' || entry.state === 'opening') {
      if (this.open.get(entry.tenantId) === entry) {
        this.open.delete(entry.tenantId);
      }
      this.closing.add(entry);
    }
    entry.close();
  }

  /** While requests wait, a tenant's last lease ending may free room. */
  private watchLeases(): void {
    const isWaiting = this.waiters.length > 0;
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
