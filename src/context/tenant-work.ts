// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';

const debug = debugFactory('loopback:tenant-registry:context');

// The one count of work in flight per tenant: a request's lease and
// `runInTenant` both add to it, so a request is counted once, and eviction
// asks only here whether a tenant is busy.
const inFlight = new Map<string, number>();
const doneListeners = new Set<(tenantId: string) => void>();

/**
 * Count one unit of work for a tenant.
 *
 * @internal
 */
export function beginTenantWork(tenantId: string): void {
  inFlight.set(tenantId, (inFlight.get(tenantId) ?? 0) + 1);
}

/**
 * End one unit of work; when it was the tenant's last, tell the listeners
 * (a registry waiting to evict it). Never throws.
 *
 * @internal
 */
export function endTenantWork(tenantId: string): void {
  const count = inFlight.get(tenantId);
  if (count === undefined) return;
  if (count > 1) {
    inFlight.set(tenantId, count - 1);
    return;
  }
  inFlight.delete(tenantId);
  if (doneListeners.size === 0) return;
  for (const listener of doneListeners) {
    try {
      listener(tenantId);
    } catch (error: unknown) {
      debug('a tenant-work listener threw: %s', error);
    }
  }
}

/**
 * Whether a tenant has work in flight (a request or `runInTenant`).
 *
 * @internal
 */
export function hasWorkInFlight(tenantId: string): boolean {
  return inFlight.has(tenantId);
}

/**
 * Be told when a tenant's last unit of work ends. Registries subscribe only
 * while they have evictions waiting, so an idle registry is never held here.
 *
 * @returns The function that unsubscribes.
 * @internal
 */
export function onTenantWorkDone(
  listener: (tenantId: string) => void,
): () => void {
  doneListeners.add(listener);
  return () => doneListeners.delete(listener);
}
