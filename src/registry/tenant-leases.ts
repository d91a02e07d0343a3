// Copyright loopback4-tenant-registry contributors. MIT License.

import {hasWorkInFlight} from '../context/tenant-context';
import type {EvictionReason} from './registry-stats';

/**
 * Leases on tenants (a request holds one) and evictions waiting for the last
 * lease to go.
 *
 * @internal
 */
export class TenantLeases {
  private readonly counts = new Map<string, number>();
  private readonly pending = new Map<string, EvictionReason>();

  acquire(tenantId: string): void {
    this.counts.set(tenantId, (this.counts.get(tenantId) ?? 0) + 1);
  }

  /**
   * Release one lease.
   *
   * @returns Whether it was the tenant's last one.
   */
  release(tenantId: string): boolean {
    const count = this.counts.get(tenantId);
    if (count === undefined) return false;
    if (count > 1) {
      this.counts.set(tenantId, count - 1);
      return false;
    }
    this.counts.delete(tenantId);
    return true;
  }

  /** A lease, or `runInTenant` work in flight. */
  isLeased(tenantId: string): boolean {
    return this.counts.has(tenantId) || hasWorkInFlight(tenantId);
  }

  /** Remember to evict a leased tenant later; the first reason is kept. */
  markPending(tenantId: string, reason: EvictionReason): void {
    if (!this.pending.has(tenantId)) this.pending.set(tenantId, reason);
  }

  pendingReason(tenantId: string): EvictionReason | undefined {
    return this.pending.get(tenantId);
  }

  clearPending(tenantId: string): void {
    this.pending.delete(tenantId);
  }

  /** A copy of the waiting evictions. */
  pendingEvictions(): [string, EvictionReason][] {
    return [...this.pending];
  }

  get pendingCount(): number {
    return this.pending.size;
  }
}
