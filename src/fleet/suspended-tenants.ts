// Copyright loopback4-tenant-registry contributors. MIT License.

import {isPastDeadline, runInSlices} from '../eviction/time-slices';

// Adding or looking up an id costs about 0.1 us: read the clock every so
// many of them.
const IDS_PER_DEADLINE_CHECK = 1024;

/**
 * The tenants this instance refuses with 403 `TENANT_SUSPENDED`: a local
 * copy of the fleet's suspended set, kept by the tenant events observer.
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
   * Make the local set equal `tenantIds` (the fleet's, as just read), in
   * slices of a few milliseconds that yield the event loop: a hash of
   * 100,000 entries never stalls the instance.
   *
   * @remarks
   * The new set is built while the old one keeps answering, then swapped
   * in at once, so a reader sees either set, never a mix. An `add` or
   * `delete` made meanwhile (this instance's own admin action) is newer
   * than the list and is kept. Then `onAdded` is called, still in slices,
   * for each tenant the new set suspends and the old one did not. One
   * replacement at a time: the caller waits for each.
   *
   * @returns How many tenants were newly suspended and resumed.
   */
  async replaceAllInSlices(
    tenantIds: readonly string[],
    onAdded: (tenantId: string) => void,
  ): Promise<{added: number; removed: number}> {
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

    let added = 0;
    let visited = 0;
    const ids = next.values();
    await runInSlices(deadline => {
      for (let id = ids.next(); !id.done; id = ids.next()) {
        visited++;
        const isNew = !previous.has(id.value);
        if (isNew) {
          added++;
          onAdded(id.value);
        }
        const every = isNew ? 1 : IDS_PER_DEADLINE_CHECK;
        if (isPastDeadline(deadline, visited, every)) return false;
      }
      return true;
    });
    // Those of the old set not in the new one (the new one may have changed
    // meanwhile: a count for logs).
    const removed = Math.max(0, previous.size - (next.size - added));
    return {added, removed};
  }

  list(): string[] {
    return [...this.tenants];
  }

  get size(): number {
    return this.tenants.size;
  }
}
