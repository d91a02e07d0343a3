// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';

const debug = debugFactory('loopback:tenant-registry:context');

// One lease count per tenant: a request and `runInTenant` both acquire it, so
// a request is counted once, and eviction asks only here whether a tenant is
// leased. The map holds a mutable cell per tenant, so acquiring or ending is
// one hash lookup, not a get and a set.
//
// A count that drops to zero stays in the map (adding and deleting a key on
// every request costs more than updating a kept entry: docs/performance.md).
// Idle entries are swept when the map has doubled since the last sweep, so it
// holds at most twice the leased tenants (or SWEEP_MIN entries).
const SWEEP_MIN = 1024;

/**
 * A tenant's count of leases. `runInTenant` keeps it as the context's store,
 * so ending a lease needs no lookup.
 *
 * @internal
 */
export interface TenantLease {
  readonly tenantId: string;
  count: number;
  /** Dropped from the map while idle: acquire again by id, not on this one. */
  swept: boolean;
}

const leases = new Map<string, TenantLease>();
const endedListeners = new Set<(tenantId: string) => void>();
let sweepAt = SWEEP_MIN;

/**
 * Acquire a lease for a tenant.
 *
 * @internal
 */
export function acquireLease(tenantId: string): TenantLease {
  const lease = leases.get(tenantId);
  if (lease !== undefined) {
    lease.count++;
    return lease;
  }
  if (leases.size >= sweepAt) sweepIdleLeases();
  const acquired: TenantLease = {tenantId, count: 1, swept: false};
  leases.set(tenantId, acquired);
  return acquired;
}

/**
 * {@link acquireLease} through a lease kept from an earlier call (a tenant's
 * registry scope keeps one), without the lookup while it is not swept.
 *
 * @internal
 */
export function acquireLeaseOn(
  lease: TenantLease | undefined,
  tenantId: string,
): TenantLease {
  if (lease === undefined || lease.swept) return acquireLease(tenantId);
  lease.count++;
  return lease;
}

/**
 * {@link endLease} by tenant id. Never throws.
 *
 * @internal
 */
export function endLeaseOf(tenantId: string): void {
  const lease = leases.get(tenantId);
  if (lease !== undefined) endLease(lease);
}

/**
 * End one lease; when it was the tenant's last, tell the listeners (a
 * registry waiting to evict it). A count above zero is always the one in the
 * map: only idle leases are swept. Never throws.
 *
 * @internal
 */
export function endLease(lease: TenantLease): void {
  if (lease.count === 0) return;
  lease.count--;
  if (lease.count > 0 || endedListeners.size === 0) return;
  const tenantId = lease.tenantId;
  for (const listener of endedListeners) {
    try {
      listener(tenantId);
    } catch (error: unknown) {
      debug('a lease listener threw: %s', error);
    }
  }
}

/**
 * Whether a tenant holds a lease (a request or `runInTenant` in progress).
 *
 * @internal
 */
export function isTenantLeased(tenantId: string): boolean {
  return (leases.get(tenantId)?.count ?? 0) > 0;
}

/**
 * The tenants that hold a lease now. It reads the kept leases, not every
 * tenant: at most twice the most tenants leased at once (or 1,024 entries).
 *
 * @internal
 */
export function* leasedTenantIds(): IterableIterator<string> {
  for (const lease of leases.values()) {
    if (lease.count > 0) yield lease.tenantId;
  }
}

/**
 * Be told when a tenant's last lease ends. Registries subscribe only while
 * they have evictions waiting, so an idle registry is never held here.
 *
 * @returns The function that unsubscribes.
 * @internal
 */
export function onLeasesEnded(
  listener: (tenantId: string) => void,
): () => void {
  endedListeners.add(listener);
  return () => endedListeners.delete(listener);
}

/**
 * How many tenants a lease entry is kept for, leased or not (for tests).
 *
 * @internal
 */
export function trackedLeaseEntries(): number {
  return leases.size;
}

function sweepIdleLeases(): void {
  for (const [tenantId, lease] of leases) {
    if (lease.count === 0) {
      lease.swept = true;
      leases.delete(tenantId);
    }
  }
  sweepAt = Math.max(SWEEP_MIN, leases.size * 2);
}
