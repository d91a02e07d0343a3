// Copyright loopback4-tenant-registry contributors. MIT License.

import type {ModelRegistry} from '../registry/model-registry';
import type {SuspendedTenants} from './suspended-tenants';
import type {TenantEvent} from './tenant-event';

/**
 * Apply a tenant event to this instance: `evict` evicts (reason
 * `external`), `suspend` evicts and refuses the tenant, `resume` accepts it
 * again. Idempotent: an instance applies its own events twice (once when
 * publishing succeeds, once when the transport echoes them).
 *
 * @internal
 */
export function applyTenantEvent(
  event: Pick<TenantEvent, 'type' | 'tenantId'>,
  registry: ModelRegistry,
  suspended: SuspendedTenants,
): void {
  switch (event.type) {
    case 'evict':
      registry.evictTenant(event.tenantId, 'external');
      break;
    case 'suspend':
      suspended.add(event.tenantId);
      registry.evictTenant(event.tenantId, 'external');
      break;
    case 'resume':
      suspended.delete(event.tenantId);
      break;
  }
}
