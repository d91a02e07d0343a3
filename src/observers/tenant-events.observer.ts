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
import type {TenantEvent, TenantEvents} from '../events/tenant-event';
import {TenantRegistryBindings} from '../keys';
import type {ModelRegistry} from '../registry/model-registry';

const debug = debugFactory('loopback:tenant-registry:events');

/**
 * Connects this instance to the fleet's tenant events on start: subscribes,
 * loads the tenants suspended fleet-wide, and applies every event received;
 * disconnects on stop.
 *
 * @internal
 */
@lifeCycleObserver('tenant-registry', {scope: BindingScope.SINGLETON})
export class TenantEventsObserver implements LifeCycleObserver {
  private unsubscribe: (() => void) | undefined;

  constructor(
    @inject(TenantRegistryBindings.REGISTRY)
    private readonly registry: ModelRegistry,
    @inject(TenantRegistryBindings.SUSPENDED_TENANTS)
    private readonly suspended: SuspendedTenants,
    @inject(TenantRegistryBindings.TENANT_EVENTS)
    private readonly events: TenantEvents,
  ) {}

  async start(): Promise<void> {
    if (this.unsubscribe !== undefined) return;
    this.unsubscribe = this.events.subscribe(event => this.apply(event));
    try {
      await this.events.start?.();
      const {added} = this.suspended.replaceAll(
        await this.events.suspendedTenants(),
      );
      for (const tenantId of added) {
        this.registry.evictTenant(tenantId, 'external');
      }
    } catch (error: unknown) {
      // Serve HTTP anyway; the transport reconnects by itself.
      debug('tenant events unavailable at start: %s', error);
    }
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.events.stop?.();
  }

  private apply(event: TenantEvent): void {
    debug('%s %s (from %s)', event.type, event.tenantId, event.instanceId);
    applyTenantEvent(event, this.registry, this.suspended);
  }
}
