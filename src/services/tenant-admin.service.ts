// Copyright loopback4-tenant-registry contributors. MIT License.

import {BindingScope, inject, injectable} from '@loopback/core';
import {validateTenantId} from '../context/tenant-id';
import {tenantEventsUnavailableError} from '../errors';
import type {SuspendedTenants} from '../fleet/suspended-tenants';
import {
  applyTenantEvent,
  INSTANCE_ID,
  type TenantEvents,
  type TenantEventType,
} from '../fleet/tenant-event';
import {TenantRegistryBindings} from '../keys';
import type {TenantRegistryOptions} from '../options/tenant-registry-options';
import type {ModelRegistry} from '../registry/model-registry';

/**
 * Fleet-wide admin actions on a tenant, through the bound `TenantEvents`
 * (in-process by default, Redis for a fleet).
 *
 * @remarks
 * An action is published first and applied here only once the transport has
 * taken it: when the transport is down the call fails with 503
 * `TENANT_EVENTS_UNAVAILABLE` and nothing changes anywhere. Actions are
 * idempotent and not queued: retry them. (If the connection drops after the
 * send, the action may have been applied although the call failed.)
 *
 * @example
 * ```ts
 * const admin = await app.get(TenantRegistryBindings.ADMIN);
 * await admin.suspendTenantEverywhere('acme'); // 403 TENANT_SUSPENDED everywhere
 * if (admin.isSuspended('acme')) await admin.resumeTenantEverywhere('acme');
 * ```
 */
@injectable({scope: BindingScope.SINGLETON})
export class TenantAdminService {
  constructor(
    @inject(TenantRegistryBindings.REGISTRY)
    private readonly registry: ModelRegistry,
    @inject(TenantRegistryBindings.SUSPENDED_TENANTS)
    private readonly suspended: SuspendedTenants,
    @inject(TenantRegistryBindings.TENANT_EVENTS)
    private readonly events: TenantEvents,
    @inject(TenantRegistryBindings.OPTIONS, {optional: true})
    private readonly options?: Pick<TenantRegistryOptions, 'tenantIdCase'>,
  ) {}

  /**
   * Evict a tenant on every instance (reason `external`); a leased one goes
   * when its lease ends. Each action throws `INVALID_TENANT_ID` or
   * `TENANT_EVENTS_UNAVAILABLE`.
   */
  evictTenantEverywhere(tenantId: string): Promise<void> {
    return this.publish('evict', tenantId);
  }

  /**
   * Suspend a tenant on every instance (later ones too): evicted, and its
   * requests refused with 403 `TENANT_SUSPENDED` until resumed.
   */
  suspendTenantEverywhere(tenantId: string): Promise<void> {
    return this.publish('suspend', tenantId);
  }

  /** Accept a suspended tenant again, on every instance. */
  resumeTenantEverywhere(tenantId: string): Promise<void> {
    return this.publish('resume', tenantId);
  }

  /** Whether a tenant is suspended on this instance. */
  isSuspended(tenantId: string): boolean {
    return this.suspended.has(tenantId);
  }

  private async publish(type: TenantEventType, tenantId: string) {
    let id = validateTenantId(tenantId);
    // Admin ids follow `tenantIdCase`, as request ids do.
    if (this.options?.tenantIdCase === 'lowercase') id = id.toLowerCase();
    const event = {type, tenantId: id, instanceId: INSTANCE_ID};
    try {
      await this.events.publish(event);
    } catch (error: unknown) {
      throw tenantEventsUnavailableError(error);
    }
    applyTenantEvent(event, this.registry, this.suspended);
  }
}
