// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  BindingScope,
  inject,
  lifeCycleObserver,
  type LifeCycleObserver,
} from '@loopback/core';
import debugFactory from 'debug';
import {applyTenantEvent} from '../fleet/apply-tenant-event';
import type {SuspendedTenants} from '../fleet/suspended-tenants';
import type {
  TenantEvent,
  TenantEvents,
  TenantEventsResync,
} from '../fleet/tenant-event';
import {TenantRegistryBindings} from '../keys';
import type {ModelRegistry} from '../registry/model-registry';

const debug = debugFactory('loopback:tenant-registry:events');

/**
 * Connects this instance to the fleet's tenant events on start, and keeps
 * its suspended tenants equal to the fleet's; disconnects on stop.
 *
 * @remarks
 * With a transport that resyncs (`subscribeResync`, as `RedisTenantEvents`
 * does), suspension follows the fleet's state on every resync and `suspend`
 * or `resume` messages are only notices; evictions are applied as they come.
 * Other transports' events are applied as they come, and their suspended
 * tenants read once at start.
 *
 * A resync is applied in slices of a few milliseconds that yield the event
 * loop (a suspended set of 100,000 tenants, an evict-all after a gap), one
 * resync at a time: one that arrives meanwhile waits, and only the latest
 * waiting one is applied (a gap reported by any of them is kept).
 *
 * @internal
 */
@lifeCycleObserver('tenant-registry', {scope: BindingScope.SINGLETON})
export class TenantEventsObserver implements LifeCycleObserver {
  private unsubscribers: (() => void)[] = [];
  private followsResyncs = false;
  /** The resync to apply next, if any. */
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
    if (events.subscribeResync !== undefined) {
      this.followsResyncs = true;
      this.unsubscribers.push(
        events.subscribeResync(resync => this.resync(resync)),
      );
      // Resolves even while the transport is down: it keeps retrying.
      await events.start?.();
      // The first sync, when it came, is applied before HTTP listens: a
      // suspended tenant is refused from the first request on.
      await this.settled();
      return;
    }
    try {
      await events.start?.();
      this.resync({
        suspendedTenantIds: await events.suspendedTenants(),
        hasMissedEvictions: false,
      });
      await this.settled();
    } catch (error: unknown) {
      // Serve HTTP anyway; the transport reconnects by itself.
      debug('tenant events unavailable at start: %s', error);
    }
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    this.unsubscribers = [];
    this.waiting = undefined;
    await this.settled();
    await this.events.stop?.();
  }

  /**
   * Resolves once no resync is being applied.
   *
   * @internal
   */
  async settled(): Promise<void> {
    await this.applying;
  }

  private apply(event: TenantEvent): void {
    debug('%s %s (from %s)', event.type, event.tenantId, event.instanceId);
    if (this.followsResyncs && event.type !== 'evict') return;
    applyTenantEvent(event, this.registry, this.suspended);
  }

  private resync(resync: TenantEventsResync): void {
    const waiting = this.waiting;
    this.waiting = {
      suspendedTenantIds: resync.suspendedTenantIds,
      hasMissedEvictions:
        resync.hasMissedEvictions || waiting?.hasMissedEvictions === true,
    };
    this.applying ??= this.applyWaiting();
  }

  private async applyWaiting(): Promise<void> {
    for (let next = this.waiting; next; next = this.waiting) {
      this.waiting = undefined;
      try {
        await this.applyResync(next);
      } catch (error: unknown) {
        // The next resync (every reconnect, every suspend or resume) tries
        // again.
        debug('applying a resync failed: %s', error);
      }
    }
    this.applying = undefined;
  }

  private async applyResync({
    suspendedTenantIds,
    hasMissedEvictions,
  }: TenantEventsResync): Promise<void> {
    // Suspension first: a newly suspended tenant is refused from the swap
    // of the set on, while the rest is still being evicted.
    const {added, removed} = await this.suspended.replaceAllInSlices(
      suspendedTenantIds,
      tenantId => this.registry.evictTenant(tenantId, 'external'),
    );
    if (added + removed > 0) {
      debug('suspended +%d -%d after a resync', added, removed);
    }
    if (hasMissedEvictions) {
      const evicted = await this.registry.evictAllTenantsInSlices('external');
      debug('evicted %d tenants: evictions may have been missed', evicted);
    }
  }
}
