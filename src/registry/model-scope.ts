// Copyright loopback4-tenant-registry contributors. MIT License.

import type {
  DataSourceLike,
  ModelBuilderLike,
  ModelClassLike,
} from '../bridge/juggler-shapes';
import type {TenantLease} from '../context/tenant-lease';
import {isStillMapped, type ModelRecord} from './model-record';
import type {ModelTally} from './model-tally';

type RecordsByKey = Map<string, ModelRecord>;

/** A model `defineTenantModel` built, and the key of its definition. */
export interface DefinedModel {
  readonly model: ModelClassLike;
  readonly builder: ModelBuilderLike;
  readonly key: string;
}

/**
 * One scope's anonymous models (a tenant's, or the global scope's), found by
 * builder and structure key, or by name, and what else a tenant owns.
 *
 * @remarks
 * A tenant scope holds its records strongly: it lives until it is evicted,
 * and eviction walks them. The global scope lives as long as the process, so
 * it indexes builders in a `WeakMap` and names through `WeakRef`s: a builder
 * the application drops stays collectable. Tenant scopes, created and
 * evicted by the thousand, avoid weak structures (they cost the collector).
 *
 * @internal
 */
export class ModelScope {
  /** When this scope was last used, in clock milliseconds. */
  lastAccessed: number;
  /** The next older and newer tenant scope, in `TenantScopes`' order. */
  older: ModelScope | undefined = undefined;
  newer: ModelScope | undefined = undefined;
  /** The tenant's lease count, kept here to spare the request a lookup. */
  lease: TenantLease | undefined = undefined;
  /** Creation order among tenant scopes (1, 2, ...; 0 for the global one). */
  serial = 0;
  /** Told when this scope's model counts change, while it is live. */
  tally: ModelTally | undefined = undefined;
  /** Lookups in this scope that found a model, and that found none. */
  hits = 0;
  misses = 0;
  /** DataSources owned by this tenant (`ModelRegistry.trackDataSource`). */
  readonly dataSources = new Set<DataSourceLike>();
  /** Models from `defineTenantModel`, by name. */
  readonly definedModels = new Map<string, DefinedModel>();
  private readonly byBuilder:
    | Map<ModelBuilderLike, RecordsByKey>
    | WeakMap<ModelBuilderLike, RecordsByKey>;
  private readonly byName = new Map<
    string,
    ModelRecord | WeakRef<ModelRecord>
  >();
  private readonly weakBuilders: WeakBuilderList | undefined;
  private readonly tracked = new Set<ModelClassLike>();
  private modelCount = 0;

  /**
   * @param tenantId - The scope's tenant id, or `GLOBAL_TENANT`.
   * @param now - The creation time in clock milliseconds.
   * @param isTenantScope - `true` for a tenant (strong, enumerable records);
   * `false` for the global scope (weak).
   */
  constructor(
    readonly tenantId: string,
    now: number,
    private readonly isTenantScope: boolean,
  ) {
    this.lastAccessed = now;
    this.byBuilder = isTenantScope ? new Map() : new WeakMap();
    this.weakBuilders = isTenantScope ? undefined : new WeakBuilderList();
  }

  /** Add a record, replacing one under the same builder and key. */
  registerModel(record: ModelRecord): void {
    let byKey = this.byBuilder.get(record.builder);
    if (byKey === undefined) {
      byKey = new Map();
      this.byBuilder.set(record.builder, byKey);
      this.weakBuilders?.add(record.builder);
    }
    const previous = byKey.get(record.key);
    if (previous !== undefined) this.unregister(previous);
    byKey.set(record.key, record);
    this.byName.set(
      record.name,
      this.isTenantScope ? record : new WeakRef(record),
    );
    this.modelCount++;
    this.tally?.changed(this, this.ownedModels - 1, 1);
  }

  /** Remove one record from this scope's indexes. */
  unregister(record: ModelRecord): void {
    const byKey = this.byBuilder.get(record.builder);
    if (byKey?.get(record.key) !== record) return;
    byKey.delete(record.key);
    if (byKey.size === 0) this.byBuilder.delete(record.builder);
    if (this.recordNamed(record.name) === record) {
      this.byName.delete(record.name);
    }
    this.modelCount--;
    this.tally?.changed(this, this.ownedModels + 1, -1);
  }

  /** Named models owned by this tenant (`ModelRegistry.trackModel`). */
  get trackedModels(): ReadonlySet<ModelClassLike> {
    return this.tracked;
  }

  /** Mark a named model as owned by this tenant. */
  trackModel(model: ModelClassLike): void {
    if (this.tracked.has(model)) return;
    this.tracked.add(model);
    this.tally?.changed(this, this.ownedModels - 1, 0);
  }

  /** Stop owning a named model (`undefined`: all of them). */
  untrackModel(model?: ModelClassLike): void {
    const from = this.ownedModels;
    if (model === undefined) this.tracked.clear();
    else this.tracked.delete(model);
    this.tally?.changed(this, from, 0);
  }

  /** Models this scope owns: its anonymous and tracked named models. */
  get ownedModels(): number {
    return this.modelCount + this.tracked.size;
  }

  /** Anonymous models currently registered. */
  get size(): number {
    return this.modelCount;
  }

  /**
   * The record for a structure key in a builder, if the builder still maps
   * its name to its class. A stale record is unregistered.
   */
  findRecord(builder: ModelBuilderLike, key: string): ModelRecord | undefined {
    const record = this.byBuilder.get(builder)?.get(key);
    if (record === undefined || isStillMapped(record)) return record;
    this.unregister(record);
    return undefined;
  }

  /** The model most recently registered under `name` in this scope. */
  findModelByName(name: string): ModelClassLike | undefined {
    return this.recordNamed(name)?.model;
  }

  /** The live builders this scope has models in. */
  builders(): ModelBuilderLike[] {
    if (this.weakBuilders !== undefined) return this.weakBuilders.live();
    return [...(this.byBuilder as Map<ModelBuilderLike, RecordsByKey>).keys()];
  }

  /** The records of a tenant scope (none for the global scope). */
  records(): ModelRecord[] {
    const records: ModelRecord[] = [];
    if (!this.isTenantScope) return records;
    const byBuilder = this.byBuilder as Map<ModelBuilderLike, RecordsByKey>;
    for (const byKey of byBuilder.values()) {
      for (const record of byKey.values()) records.push(record);
    }
    return records;
  }

  private recordNamed(name: string): ModelRecord | undefined {
    const entry = this.byName.get(name);
    return entry instanceof WeakRef ? entry.deref() : entry;
  }
}

/** Builders held weakly, pruned of collected ones as the list doubles. */
class WeakBuilderList {
  private readonly known = new WeakSet<ModelBuilderLike>();
  private refs: WeakRef<ModelBuilderLike>[] = [];

  add(builder: ModelBuilderLike): void {
    if (this.known.has(builder)) return;
    this.known.add(builder);
    const length = this.refs.length;
    if (length >= 8 && (length & (length - 1)) === 0) {
      this.refs = this.refs.filter(ref => ref.deref() !== undefined);
    }
    this.refs.push(new WeakRef(builder));
  }

  live(): ModelBuilderLike[] {
    const live: ModelBuilderLike[] = [];
    for (const ref of this.refs) {
      const builder = ref.deref();
      if (builder !== undefined) live.push(builder);
    }
    return live;
  }
}
