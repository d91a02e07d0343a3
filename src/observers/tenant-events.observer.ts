// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  BindingScope,
  inject,
  lifeCycleObserver,
  type LifeCycleObserver,
} from '@loopback/core';
import debugFactory from 'debug';
import type {SuspendedTenants} from '../fleet/suspended-tenants';
import {
  applyTenantEvent,
  type TenantEvent,
  type TenantEvents,
  type TenantEventsResync,
} from '../fleet/tenant-event';
import {TenantRegistryBindings} from '../keys';
import type {ModelRegistry} from '../registry/model-registry';

const debug = debugFactory('loopback:tenant-registry:fleet');

/**
 * Joins this instance to the fleet on start and keeps its suspended tenants
 * equal to the fleet's. With `subscribeResync` suspension follows each
 * resync (`suspend`/`resume` events are notices); otherwise events apply as
 * they come. Resyncs apply in slices, one at a time: of those that arrive
 * meanwhile only the latest runs, keeping any gap they reported.
 * @internal
 */
@lifeCycleObserver('tenant-registry', {scope: BindingScope.SINGLETON})
export class TenantEventsObserver implements LifeCycleObserver {
  private unsubscribers: (() => void)[] = [];
  private followsResyncs = false;
  /** The resync to apply next. */
  private waiting: TenantEventsResync | undefined;
  /** Resyncs being applied, until none is waiting. */
  private applying: Promise<void> | undefined;

  constructor(
    @inject(TenantRegistryBindings.REGISTRY)
    private readonly registry: ModelRegistry,
    @inject(TenantRegistryBindings.SUSPENDED_TENANTS)
    private readonly suspended: SuspendedTenants,
    @inject(TenantRegistryBindings.TENANT_EVENTS)
    private readonly events: TenantEvents,
  ) {}

  async start(): Promise<void> {
    if (this.unsubscribers.length > 0) return;
    const events = this.events;
    this.unsubscribers.push(events.subscribe(event => this.apply(event)));
    this.followsResyncs = events.subscribeResync !== undefined;
    if (events.subscribeResync !== undefined) {
      this.unsubscribers.push(events.subscribeResync(r => this.resync(r)));
    }
    try {
      // A resyncing transport resolves even while down (it keeps retrying);
      // its first sync, when it came, is applied before HTTP listens.
      await events.start?.();
      if (!this.followsResyncs) {
        const suspendedTenantIds = await events.suspendedTenants();
        this.resync({suspendedTenantIds, hasMissedEvictions: false});
      }
      await this.settled();
    } catch (error: unknown) {
      if (this.followsResyncs) throw error;
      // Serve HTTP anyway; the transport reconnects by itself.
      debug('the fleet is unavailable at start: %s', error);
    }
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    this.unsubscribers = [];
    this.waiting = undefined;
    await this.settled();
    await this.events.stop?.();
  }

  /** Resolves once no resync is being applied. */
  async settled(): Promise<void> {
    await this.applying;
  }

  private apply(event: TenantEvent): void {
    debug('%s %s (from %s)', event.type, event.tenantId, event.instanceId);
    if (this.followsResyncs && event.type !== 'evict') return;
    applyTenantEvent(event, this.registry, this.suspended);
  }

  private resync(resync: TenantEventsResync): void {
    const hasMissedEvictions =
      resync.hasMissedEvictions || this.waiting?.hasMissedEvictions === true;
    this.waiting = {...resync, hasMissedEvictions};
    this.applying ??= this.applyWaiting();
  }

  private async applyWaiting(): Promise<void> {
    for (let next = this.waiting; next; next = this.waiting) {
      this.waiting = undefined;
      try {
        // Suspension first: a newly suspended tenant is refused from the
        // swap of the set on, while the rest is still being evicted.
        const {suspended, resumed} = await this.suspended.replaceAllInSlices(
          next.suspendedTenantIds,
          tenantId => this.registry.evictTenant(tenantId, 'external'),
        );
        debug('resync: %d newly suspended, %d resumed', suspended, resumed);
        if (next.hasMissedEvictions) {
          const evicted =
            await this.registry.evictAllTenantsInSlices('external');
          debug('evicted %d tenants: evictions may have been missed', evicted);
        }
      } catch (error: unknown) {
        // The next resync (every reconnect, suspend or resume) tries again.
        debug('applying a resync failed: %s', error);
      }
    }
    this.applying = undefined;
  }
}
