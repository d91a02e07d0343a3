// Copyright loopback4-tenant-registry contributors. MIT License.

import type {
  ModelBuilderLike,
  ModelClassLike,
  ModelDefinitionLike,
} from '../bridge/juggler-shapes';

/**
 * What the registry keeps about one anonymous model: enough to find it again
 * and to release it from its builder.
 *
 * @internal
 */
export interface ModelRecord {
  readonly model: ModelClassLike;
  readonly name: string;
  readonly builder: ModelBuilderLike;
  /** The tenant id, or `GLOBAL_TENANT`. */
  readonly scope: string;
  readonly key: string;
  /**
   * Definitions whose properties use this model (tenant scopes only). A live
   * named definition among them keeps the model from being released.
   */
  referrers: Set<ModelDefinitionLike> | undefined;
  /** Size at which dead referrers are next pruned (amortized O(1) adds). */
  pruneReferrersAt: number;
}

/**
 * Whether the builder still maps the record's name to the record's class.
 *
 * @internal
 */
export function isStillMapped(record: ModelRecord): boolean {
  return record.builder.models[record.name] === record.model;
}

/**
 * Record that `definition` uses the record's model.
 *
 * @internal
 */
export function addReferrer(
  record: ModelRecord,
  definition: ModelDefinitionLike,
): void {
  const referrers = (record.referrers ??= new Set());
  if (referrers.has(definition)) return;
  if (referrers.size >= record.pruneReferrersAt) {
    // A model redefined on every request would otherwise pile up dead
    // definitions here; dropping them when the set doubles keeps adds O(1).
    for (const referrer of referrers) {
      const builder = referrer.modelBuilder;
      if (builder?.definitions[referrer.name] !== referrer) {
        referrers.delete(referrer);
      }
    }
    record.pruneReferrersAt = Math.max(8, referrers.size * 2);
  }
  referrers.add(definition);
}
