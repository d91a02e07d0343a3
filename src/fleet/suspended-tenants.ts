// Copyright loopback4-tenant-registry contributors. MIT License.

import {isPastDeadline, runInSlices} from '../eviction/time-slices';

// An id costs about 0.1 us to add or look up: read the clock every 1024.
const IDS_PER_DEADLINE_CHECK = 1024;

/**
 * The tenants this instance refuses with 403 `TENANT_SUSPENDED`: its copy
 * of the fleet's suspended set.
 *
 * @internal
 */
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

  /**
   * Make the set equal `tenantIds` in slices that yield the event loop, then
   * call `onSuspended` (in slices too) for each tenant newly suspended. The
   * new set is swapped in at once (a reader never sees a mix); an `add` or
   * `delete` made meanwhile is newer than `tenantIds` and is kept. One call
   * at a time.
   */
  async replaceAllInSlices(
    tenantIds: readonly string[],
    onSuspended: (tenantId: string) => void,
  ): Promise<{suspended: number; resumed: number}> {
    const next = new Set<string>();
    const changed = new Map<string, boolean>();
    this.changedMeanwhile = changed;
    let built = 0;
    try {
      await runInSlices(deadline => {
        while (built < tenantIds.length) {
          next.add(tenantIds[built++]);
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

    let suspended = 0;
    let visited = 0;
    const ids = next.values();
    await runInSlices(deadline => {
      for (let id = ids.next(); !id.done; id = ids.next()) {
        const isNew = !previous.has(id.value);
        if (isNew) {
          suspended++;
          onSuspended(id.value);
        }
        const every = isNew ? 1 : IDS_PER_DEADLINE_CHECK;
        if (isPastDeadline(deadline, ++visited, every)) return false;
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
