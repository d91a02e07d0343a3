// Copyright loopback4-tenant-registry contributors. MIT License.

import {isPastDeadline, runInSlices} from '../eviction/tenant-evictor';

// An id costs about 0.1 us to add or look up: read the clock every 1024.
const IDS_PER_DEADLINE_CHECK = 1024;

/** The tenants refused with 403 `TENANT_SUSPENDED` (the fleet's). @internal */
export class SuspendedTenants {
  private tenants = new Set<string>();
  /** What `add` and `delete` changed while a replacement set was built. */
  private changedMeanwhile: Map<string, boolean> | undefined;

  has(tenantId: string): boolean {
    return this.tenants.size > 0 && this.tenants.has(tenantId);
  }

  add(tenantId: string): void {
    this.tenants.add(tenantId);
    this.changedMeanwhile?.set(tenantId, true);
  }

  delete(tenantId: string): void {
    this.tenants.delete(tenantId);
    this.changedMeanwhile?.set(tenantId, false);
  }

  // The new set is built while the old one answers, then swapped in at once
  // (a reader never sees a mix). An `add` or `delete` made meanwhile is
  // newer than `tenantIds` and kept. One call at a time.
  /** Make the set equal `tenantIds`, in slices; `onSuspended` for the new. */
  async replaceAllInSlices(
    tenantIds: readonly string[],
    onSuspended: (tenantId: string) => void,
  ): Promise<{suspended: number; resumed: number}> {
    const next = new Set<string>();
    const newlySuspended: string[] = [];
    const changed = new Map<string, boolean>();
    this.changedMeanwhile = changed;
    let built = 0;
    try {
      await runInSlices(deadline => {
        while (built < tenantIds.length) {
          const tenantId = tenantIds[built++];
          if (!next.has(tenantId) && !this.tenants.has(tenantId)) {
            newlySuspended.push(tenantId);
          }
          next.add(tenantId);
          if (isPastDeadline(deadline, built, IDS_PER_DEADLINE_CHECK)) {
            return false;
          }
        }
        return true;
      });
    } finally {
      this.changedMeanwhile = undefined;
    }
    for (const [tenantId, isSuspended] of changed) {
      if (isSuspended) next.add(tenantId);
      else next.delete(tenantId);
    }
    const previous = this.tenants;
    this.tenants = next;
    // Evicted once refused: a request cannot bring one back meanwhile.
    let visited = 0;
    let suspended = 0;
    await runInSlices(deadline => {
      while (visited < newlySuspended.length) {
        const tenantId = newlySuspended[visited++];
        if (!next.has(tenantId)) continue;
        suspended++;
        onSuspended(tenantId);
        if (isPastDeadline(deadline, visited)) return false;
      }
      return true;
    });
    // For logs only: the set may have changed meanwhile.
    const resumed = Math.max(0, previous.size - (next.size - suspended));
    return {suspended, resumed};
  }

  list(): string[] {
    return [...this.tenants];
  }

  get size(): number {
    return this.tenants.size;
  }
}
