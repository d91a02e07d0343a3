// Copyright loopback4-tenant-registry contributors. MIT License.

import type {ModelScope} from './model-scope';

/**
 * The live tenant scopes' model counts, kept as they change: the total of
 * their anonymous models, and the scopes ranked by the models they own
 * (anonymous and tracked named ones), so that a stats poll costs O(rows
 * shown), not a walk over every tenant. Equal counts rank in the order they
 * were reached.
 */
export class ModelTally {
  anonymousModels = 0;
  private readonly byCount = new Map<number, Set<ModelScope>>();
  /** The counts that have scopes, highest first. */
  private readonly counts: number[] = [];

  add(scope: ModelScope): void {
    this.anonymousModels += scope.size;
    this.rank(scope, scope.ownedModels);
  }

  remove(scope: ModelScope): void {
    this.anonymousModels -= scope.size;
    this.unrank(scope, scope.ownedModels);
  }

  /** A ranked scope's counts changed: it owned `from` models before. */
  changed(scope: ModelScope, from: number, anonymousDelta: number) {
    this.anonymousModels += anonymousDelta;
    const to = scope.ownedModels;
    if (to === from) return;
    this.unrank(scope, from);
    this.rank(scope, to);
  }

  /** The scopes, the most models first; read it synchronously. */
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

  /** Where `count` is, or goes, in the descending list. */
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
