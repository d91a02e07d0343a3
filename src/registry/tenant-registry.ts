// Copyright loopback4-tenant-registry contributors. MIT License.

import type {
  DataSourceLike,
  ModelBuilderLike,
  ModelClassLike,
} from './juggler-shapes';
import {isStillMapped, type ModelRecord} from './model-record';

/** Counters of one scope. */
export interface TenantRegistryStats {
  /** The tenant id, or `GLOBAL_TENANT`. */
  tenantId: string;
  /** Anonymous models currently registered in this scope. */
  models: number;
  /** Lookups that found a model. */
  hits: number;
  /** Lookups that found none. */
  misses: number;
  /** When the scope was last used (clock milliseconds). */
  lastAccessed: number;
}

/**
 * One scope's anonymous models (a tenant's, or the global scope's), found by
 * builder and structure key, or by name.
 *
 * @remarks
 * Models are indexed per builder in a `WeakMap`, so a builder that the
 * application drops stays collectable even while this scope lives (the global
 * scope lives as long as the process). A tenant scope also keeps a set of its
 * records, which is what eviction walks; the global scope keeps none.
 */
export class TenantRegistry {
  /** When this scope was last used, in clock milliseconds. */
  lastAccessed: number;
  /** Named models owned by this tenant (`ModelRegistry.trackModel`). */
  readonly trackedModels = new Set<ModelClassLike>();
  /** DataSources owned by this tenant (`ModelRegistry.trackDataSource`). */
  readonly dataSources = new Set<DataSourceLike>();
  private readonly byBuilder = new WeakMap<
    ModelBuilderLike,
    Map<string, ModelRecord>
  >();
  private readonly byName = new Map<string, WeakRef<ModelRecord>>();
  private readonly owned: Set<ModelRecord> | undefined;
  private readonly knownBuilders = new WeakSet<ModelBuilderLike>();
  private builderRefs: WeakRef<ModelBuilderLike>[] = [];
  private modelCount = 0;
  private hits = 0;
  private misses = 0;

  /**
   * @param tenantId - The scope's tenant id, or `GLOBAL_TENANT`.
   * @param now - The creation time in clock milliseconds.
   * @param ownsRecords - Keep a strong set of records for release (tenant
   * scopes); `false` for the global scope.
   */
  constructor(
    readonly tenantId: string,
    now: number,
    ownsRecords: boolean,
  ) {
    this.lastAccessed = now;
    this.owned = ownsRecords ? new Set() : undefined;
  }

  /**
   * Add a record. A record already present under the same builder and key is
   * replaced.
   *
   * @param record - The record to add.
   */
  registerModel(record: ModelRecord): void {
    let byKey = this.byBuilder.get(record.builder);
    if (byKey === undefined) {
      byKey = new Map();
      this.byBuilder.set(record.builder, byKey);
      this.rememberBuilder(record.builder);
    }
    const previous = byKey.get(record.key);
    if (previous !== undefined) this.forget(previous);
    byKey.set(record.key, record);
    this.byName.set(record.name, new WeakRef(record));
    this.owned?.add(record);
    this.modelCount++;
  }

  /**
   * The record for a structure key in a builder, if its class is still the
   * one the builder maps under its name. A stale record is dropped.
   *
   * @param builder - The model builder.
   * @param key - A structure key from `computeStructureKey`.
   */
  findModelByStructure(
    builder: ModelBuilderLike,
    key: string,
  ): ModelRecord | undefined {
    const record = this.byBuilder.get(builder)?.get(key);
    if (record !== undefined && isStillMapped(record)) {
      this.hits++;
      return record;
    }
    if (record !== undefined) this.forget(record);
    this.misses++;
    return undefined;
  }

  /** The live builders this scope has models in. */
  builders(): ModelBuilderLike[] {
    const live: ModelBuilderLike[] = [];
    for (const ref of this.builderRefs) {
      const builder = ref.deref();
      if (builder !== undefined) live.push(builder);
    }
    return live;
  }

  /**
   * The model most recently registered under `name` in this scope.
   *
   * @param name - A model name (anonymous names repeat across builders).
   */
  findModelByName(name: string): ModelClassLike | undefined {
    return this.byName.get(name)?.deref()?.model;
  }

  private rememberBuilder(builder: ModelBuilderLike): void {
    if (this.knownBuilders.has(builder)) return;
    this.knownBuilders.add(builder);
    // Drop collected builders whenever the list doubles: amortized O(1).
    if (this.builderRefs.length >= 8 && isPowerOfTwo(this.builderRefs.length)) {
      this.builderRefs = this.builderRefs.filter(ref => ref.deref());
    }
    this.builderRefs.push(new WeakRef(builder));
  }

  /** Remove one record from this scope's indexes. */
  forget(record: ModelRecord): void {
    const byKey = this.byBuilder.get(record.builder);
    if (byKey?.get(record.key) !== record) return;
    byKey.delete(record.key);
    if (byKey.size === 0) this.byBuilder.delete(record.builder);
    if (this.byName.get(record.name)?.deref() === record) {
      this.byName.delete(record.name);
    }
    this.owned?.delete(record);
    this.modelCount--;
  }

  /** The records this scope owns (empty for the global scope). */
  records(): IterableIterator<ModelRecord> {
    return (this.owned ?? new Set<ModelRecord>()).values();
  }

  /** Anonymous models currently registered. */
  get size(): number {
    return this.modelCount;
  }

  /** This scope's counters. */
  getStats(): TenantRegistryStats {
    return {
      tenantId: this.tenantId,
      models: this.modelCount,
      hits: this.hits,
      misses: this.misses,
      lastAccessed: this.lastAccessed,
    };
  }
}

function isPowerOfTwo(value: number): boolean {
  return (value & (value - 1)) === 0;
}
