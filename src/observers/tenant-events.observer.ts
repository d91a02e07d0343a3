// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  BindingScope,
  inject,
  lifeCycleObserver,
  type LifeCycleObserver,
} from '@loopback/core';
import debugFactory from 'debug';
import {applyTenantEvent} from '../events/apply-tenant-event';
import type {SuspendedTenants} from '../events/suspended-tenants';
import type {
  TenantEvent,
  TenantEvents,
  TenantEventsResync,
} from '../events/tenant-event';
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
 * @internal
 */
@lifeCycleObserver('tenant-registry', {scope: BindingScope.SINGLETON})
export class TenantEventsObserver implements LifeCycleObserver {
  private unsubscribers: (() => void)[] = [];
  private followsResyncs = false;

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
      return;
    }
    try {
      await events.start?.();
      this.resync({
        suspendedTenantIds: await events.suspendedTenants(),
        hasMissedEvictions: false,
      });
    } catch (error: unknown) {
      // Serve HTTP anyway; the transport reconnects by itself.
      debug('tenant events unavailable at start: %s', error);
    }
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    this.unsubscribers = [];
    await this.events.stop?.();
  }

  private apply(event: TenantEvent): void {
    debug('%s %s (from %s)', event.type, event.tenantId, event.instanceId);
    if (this.followsResyncs && event.type !== 'evict') return;
    applyTenantEvent(event, this.registry, this.suspended);
  }

  private resync({
    suspendedTenantIds,
    hasMissedEvictions,
  }: TenantEventsResync): void {
    if (hasMissedEvictions) {
      const evicted = this.registry.evictAllTenants('external');
      debug('evicted %d tenants: evictions may have been missed', evicted);
    }
    const {added, removed} = this.suspended.replaceAll(suspendedTenantIds);
    for (const tenantId of added) {
      this.registry.evictTenant(tenantId, 'external');
    }
    if (added.length + removed.length > 0) {
      debug('suspended +%d -%d after a resync', added.length, removed.length);
    }
  }
}
