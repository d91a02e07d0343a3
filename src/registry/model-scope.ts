// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  modelTypeOf,
  type DataSourceLike,
  type ModelBuilderLike,
  type ModelClassLike,
  type ModelDefinitionLike,
} from '../bridge/juggler-shapes';
import {GLOBAL_TENANT} from '../context/tenant-context';
import type {TenantLease} from '../context/tenant-lease';
import type {ModelTally} from './tenant-scopes';

/** What the registry keeps about one anonymous model. */
export interface ModelRecord {
  readonly model: ModelClassLike;
  readonly name: string;
  readonly builder: ModelBuilderLike;
  /** The tenant id, or `GLOBAL_TENANT`. */
  readonly scope: string;
  readonly key: string;
  /** Definitions using this model (tenant scopes): a live one pins it. */
  referrers: Set<ModelDefinitionLike> | undefined;
  /** Size at which dead referrers are next pruned (amortized O(1) adds). */
  pruneReferrersAt: number;
}

/** Whether the builder still maps the record's name to the record's class. */
export function isStillMapped(record: ModelRecord): boolean {
  return record.builder.models[record.name] === record.model;
}

/** Record which tenant models a definition uses. */
export function addReferrers(
  definition: ModelDefinitionLike,
  recordOf: (model: unknown) => ModelRecord | undefined,
): void {
  const properties = definition.properties;
  for (const name in properties) {
    const record = recordOf(modelTypeOf(properties[name]));
    if (record !== undefined && record.scope !== GLOBAL_TENANT) {
      addReferrer(record, definition);
    }
  }
}

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

type RecordsByKey = Map<string, ModelRecord>;
type Named = ModelRecord | WeakRef<ModelRecord>;

/**
 * One scope's anonymous models, by builder and structure key or by name, and
 * what else a tenant owns. The global scope lives as long as the process, so
 * it holds builders and names weakly; tenant scopes, created and evicted by
 * the thousand, hold them strongly: weak structures cost the collector.
 */
export class ModelScope {
  lastAccessed: number;
  /** The next older and newer tenant scope, in `TenantScopes`' order. */
  older: ModelScope | undefined = undefined;
  newer: ModelScope | undefined = undefined;
  /** The tenant's lease, kept here to spare the request a lookup. */
  lease: TenantLease | undefined = undefined;
  /** Creation order among tenant scopes (0 for the global one). */
  serial = 0;
  /** Told of count changes while the scope is live. */
  tally: ModelTally | undefined = undefined;
  hits = 0;
  misses = 0;
  /** Anonymous models. */
  size = 0;
  readonly dataSources = new Set<DataSourceLike>();
  /** Models from `defineTenantModel`, by name, with their definition's key. */
  readonly definedModels = new Map<
    string,
    {model: ModelClassLike; builder: ModelBuilderLike; key: string}
  >();
  private readonly byBuilder:
    | Map<ModelBuilderLike, RecordsByKey>
    | WeakMap<ModelBuilderLike, RecordsByKey>;
  private readonly byName = new Map<string, Named>();
  private readonly weakBuilders: WeakBuilderList | undefined;
  /** Named models this tenant owns (`ModelRegistry.trackModel`). */
  readonly trackedModels = new Set<ModelClassLike>();

  constructor(
    readonly tenantId: string,
    now: number,
    private readonly isTenantScope: boolean,
  ) {
    this.lastAccessed = now;
    this.byBuilder = isTenantScope ? new Map() : new WeakMap();
    this.weakBuilders = isTenantScope ? undefined : new WeakBuilderList();
  }

  /** Add a model's record, replacing one under the same builder and key. */
  registerModel(
    builder: ModelBuilderLike,
    key: string,
    model: ModelClassLike,
  ): ModelRecord {
    const name = model.modelName;
    const record: ModelRecord = {
      model,
      name,
      builder,
      scope: this.tenantId,
      key,
      referrers: undefined,
      pruneReferrersAt: 8,
    };
    let byKey = this.byBuilder.get(builder);
    if (byKey === undefined) {
      this.byBuilder.set(builder, (byKey = new Map()));
      this.weakBuilders?.add(builder);
    }
    const previous = byKey.get(key);
    if (previous !== undefined) this.unregister(previous);
    byKey.set(key, record);
    this.byName.set(name, this.isTenantScope ? record : new WeakRef(record));
    this.size++;
    this.tally?.changed(this, this.ownedModels - 1, 1);
    return record;
  }

  unregister(record: ModelRecord): void {
    const byKey = this.byBuilder.get(record.builder);
    if (byKey?.get(record.key) !== record) return;
    byKey.delete(record.key);
    if (byKey.size === 0) this.byBuilder.delete(record.builder);
    if (this.named(record.name) === record) this.byName.delete(record.name);
    this.size--;
    this.tally?.changed(this, this.ownedModels + 1, -1);
  }

  trackModel(model: ModelClassLike): void {
    const from = this.ownedModels;
    this.trackedModels.add(model);
    this.tally?.changed(this, from, 0);
  }

  /** Stop owning a named model (`undefined`: all of them). */
  untrackModel(model?: ModelClassLike): void {
    const from = this.ownedModels;
    if (model === undefined) this.trackedModels.clear();
    else this.trackedModels.delete(model);
    this.tally?.changed(this, from, 0);
  }

  /** Anonymous and tracked named models. */
  get ownedModels(): number {
    return this.size + this.trackedModels.size;
  }

  /** The record for a key in a builder still mapping it (else unregistered). */
  findRecord(builder: ModelBuilderLike, key: string): ModelRecord | undefined {
    const record = this.byBuilder.get(builder)?.get(key);
    if (record === undefined || isStillMapped(record)) return record;
    this.unregister(record);
    return undefined;
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
    const byBuilder = this.byBuilder as Map<unknown, RecordsByKey>;
    for (const byKey of byBuilder.values()) records.push(...byKey.values());
    return records;
  }

  /** The record last registered as `name`. */
  named(name: string): ModelRecord | undefined {
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
    const builders = this.refs.map(ref => ref.deref());
    return builders.filter((b): b is ModelBuilderLike => b !== undefined);
  }
}
