// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';

const debug = debugFactory('loopback:tenant-registry:context');

// One lease count per tenant (a request and `runInTenant` share it), asked by
// eviction. A count of zero stays in the map (deleting and adding a key per
// request costs more: docs/performance.md); idle cells are swept when the map
// has doubled, so it holds at most twice the leased tenants (or SWEEP_MIN).
const SWEEP_MIN = 1024;

export interface TenantLease {
  readonly tenantId: string;
  count: number;
  /** Dropped from the map while idle: acquire again by id, not on this one. */
  swept: boolean;
}

const leases = new Map<string, TenantLease>();
const endedListeners = new Set<(tenantId: string) => void>();
let sweepAt = SWEEP_MIN;

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

/** `acquireLease` on a lease kept from an earlier call: no lookup unless swept. */
export function acquireLeaseOn(
  lease: TenantLease | undefined,
  tenantId: string,
): TenantLease {
  if (lease === undefined || lease.swept) return acquireLease(tenantId);
  lease.count++;
  return lease;
}

export function endLeaseOf(tenantId: string): void {
  const lease = leases.get(tenantId);
  if (lease !== undefined) endLease(lease);
}

/** Ends one lease; after the tenant's last, tells the listeners. Never throws. */
export function endLease(lease: TenantLease): void {
  if (lease.count === 0) return;
  lease.count--;
  if (lease.count > 0 || endedListeners.size === 0) return;
  for (const listener of endedListeners) {
    try {
      listener(lease.tenantId);
    } catch (error: unknown) {
      debug('a lease listener threw: %s', error);
    }
  }
}

export function isTenantLeased(tenantId: string): boolean {
  return (leases.get(tenantId)?.count ?? 0) > 0;
}

export function* leasedTenantIds(): IterableIterator<string> {
  for (const lease of leases.values()) {
    if (lease.count > 0) yield lease.tenantId;
  }
}

/** Returns the unsubscribe function. */
export function onLeasesEnded(
  listener: (tenantId: string) => void,
): () => void {
  endedListeners.add(listener);
  return () => endedListeners.delete(listener);
}

/** Lease cells kept, leased or not (tests). */
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
