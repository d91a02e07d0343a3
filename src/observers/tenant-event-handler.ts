// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {randomUUID} from 'node:crypto';
import {hostname} from 'node:os';
import type {
  TenantEvent,
  TenantEvents,
  TenantEventType,
} from '../events/tenant-event';
import type {ModelRegistry} from '../registry/model-registry';
import {validateTenantId} from '../resolution/tenant-id';

const debug = debugFactory('loopback:tenant-registry:events');

/**
 * Applies tenant events to this instance's registry, and publishes the
 * fleet-wide admin actions. Used by the `RegistryManager`.
 */
export class TenantEventHandler {
  /** This instance, in the events it publishes. */
  readonly instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly events: TenantEvents,
  ) {}

  /** Connect, subscribe and load the tenants suspended fleet-wide. */
  async start(): Promise<void> {
    if (this.unsubscribe !== undefined) return;
    this.unsubscribe = this.events.subscribe(event => this.apply(event));
    try {
      await this.events.start?.();
      for (const tenantId of await this.events.suspendedTenants()) {
        this.registry.suspendTenant(tenantId);
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

  /**
   * Act here, then tell every other instance.
   *
   * @throws When the transport is down (this instance has acted already).
   */
  async publish(type: TenantEventType, tenantId: string): Promise<void> {
    const event: TenantEvent = {
      type,
      tenantId: validateTenantId(tenantId),
      instanceId: this.instanceId,
    };
    this.apply(event);
    await this.events.publish(event);
  }

  private apply(event: TenantEvent): void {
    debug('%s %s (from %s)', event.type, event.tenantId, event.instanceId);
    switch (event.type) {
      case 'evict':
        this.registry.evictTenant(event.tenantId, 'external');
        break;
      case 'suspend':
        this.registry.suspendTenant(event.tenantId);
        break;
      case 'resume':
        this.registry.resumeTenant(event.tenantId);
        break;
    }
  }
}
