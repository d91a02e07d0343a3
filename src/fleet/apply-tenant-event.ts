// Copyright loopback4-tenant-registry contributors. MIT License.

import type {ModelRegistry} from '../registry/model-registry';
import type {SuspendedTenants} from './suspended-tenants';
import type {TenantEvent} from './tenant-event';

/**
 * Apply a tenant event to this instance. Idempotent: an instance applies
 * its own events twice (when publishing succeeds, and on the echo).
 *
 * @internal
 */
export function applyTenantEvent(
  event: Pick<TenantEvent, 'type' | 'tenantId'>,
  registry: ModelRegistry,
  suspended: SuspendedTenants,
): void {
  if (event.type === 'resume') {
    suspended.delete(event.tenantId);
    return;
  }
  if (event.type === 'suspend') suspended.add(event.tenantId);
  registry.evictTenant(event.tenantId, 'external');
}
