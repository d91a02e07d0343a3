// Copyright loopback4-tenant-registry contributors. MIT License.

import type {ModelScope} from './model-scope';

/**
 * The model counts of the live tenant scopes, kept as they change: the
 * total of their anonymous models, and the scopes ranked by the models they
 * own (anonymous ones and tracked named ones).
 *
 * @remarks
 * Stats are polled (the dashboard every 2 s, Prometheus, health checks), so
 * a poll must cost O(rows shown), not a walk over every tenant. A change
 * costs two `Set` operations, plus an insertion into the sorted list of
 * counts in use when a count appears or disappears (the list is short:
 * tenants tend to share counts). Scopes with the same count rank in the
 * order they reached it.
 *
 * @internal
 */
export class ModelTally {
  /** Anonymous models registered in tenant scopes. */
  anonymousModels = 0;
  private readonly byCount = new Map<number, Set<ModelScope>>();
  /** The counts that have scopes, highest first. */
  private readonly counts: number[] = [];

  /** Rank a new scope. */
  add(scope: ModelScope): void {
    this.anonymousModels += scope.size;
    this.rank(scope, scope.ownedModels);
  }

  /** Stop ranking a scope (evicted). */
  remove(scope: ModelScope): void {
    this.anonymousModels -= scope.size;
    this.unrank(scope, scope.ownedModels);
  }

  /**
   * A ranked scope's counts changed.
   *
   * @param from - What it owned before (`ownedModels`).
   * @param anonymousDelta - The change in its anonymous models.
   */
  changed(scope: ModelScope, from: number, anonymousDelta: number) {
    this.anonymousModels += anonymousDelta;
    const to = scope.ownedModels;
    if (to === from) return;
    this.unrank(scope, from);
    this.rank(scope, to);
  }

  /**
   * The ranked scopes, the most models first. Read it synchronously (counts
   * must not change meanwhile), and stop when done: the rows read are what
   * it costs.
   */
  *ranked(): IterableIterator<ModelScope> {
    for (const count of this.counts) {
      const scopes = this.byCount.get(count);
      if (scopes !== undefined) yield* scopes;
    }
  }

  private rank(scope: ModelScope, count: number): void {
    let scopes = this.byCount.get(count);
    if (scopes === undefined) {
      scopes = new Set();
      this.byCount.set(count, scopes);
      this.counts.splice(this.positionOf(count), 0, count);
    }
    scopes.add(scope);
  }

  private unrank(scope: ModelScope, count: number): void {
    const scopes = this.byCount.get(count);
    if (scopes?.delete(scope) !== true || scopes.size > 0) return;
    this.byCount.delete(count);
    this.counts.splice(this.positionOf(count), 1);
  }

  /** Where `count` is, or goes, in the descending list (binary search). */
  private positionOf(count: number): number {
    let low = 0;
    let high = this.counts.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.counts[middle] > count) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
