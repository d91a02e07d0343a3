// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  modelTypeOf,
  type DataSourceLike,
  type ModelBuilderLike,
  type ModelClassLike,
  type ModelDefinitionLike,
} from '../bridge/juggler-shapes';
import {isStillMapped, type ModelRecord} from '../registry/model-scope';

type RecordOf = (model: unknown) => ModelRecord | undefined;

/**
 * Evict a tenant's models from juggler: its tracked named models (with their
 * connector entries and unregistered anonymous children) and its anonymous
 * models, except those a live model outside the tenant still uses (`kept`).
 * Deleting from `builder.models` is what frees memory (`definitions` alone
 * frees nothing, juggler's `deleteModelByName` leaves the children); an entry
 * is deleted only while it maps to the same class.
 */
export function evictModels(
  tenantId: string,
  records: readonly ModelRecord[],
  trackedModels: ReadonlySet<ModelClassLike>,
  recordOf: RecordOf,
): {models: number; namedModels: number; kept: number} {
  let evicted: Set<ModelDefinitionLike | undefined> | undefined;
  let namedModels = 0;
  for (const model of trackedModels) {
    (evicted ??= new Set()).add(model.definition);
    if (evictNamedModel(model, recordOf)) namedModels++;
  }
  // Most tenants' models have no referrer outside the tenant: the sets and
  // closures below are only made for those that do.
  let pinned: Set<ModelRecord> | undefined;
  const isExternalLive = (referrer: ModelDefinitionLike) => {
    if (evicted?.has(referrer) === true) return false;
    if (referrer.modelBuilder?.definitions[referrer.name] !== referrer) {
      return false;
    }
    if (!referrer.settings?.anonymous) return true;
    const parent = recordOf(referrer.modelBuilder.models[referrer.name]);
    return parent === undefined || parent.scope !== tenantId;
  };
  const pin = (record: ModelRecord, into: Set<ModelRecord>) => {
    into.add(record);
    for (const child of childModels(record.model)) {
      const childRecord = recordOf(child);
      if (childRecord?.scope === record.scope && !into.has(childRecord)) {
        pin(childRecord, into);
      }
    }
  };
  for (const record of records) {
    if (record.referrers === undefined || pinned?.has(record)) continue;
    for (const referrer of record.referrers) {
      if (isExternalLive(referrer)) {
        pin(record, (pinned ??= new Set()));
        break;
      }
    }
  }
  let models = 0;
  for (const record of records) {
    if (pinned?.has(record)) continue;
    if (isStillMapped(record)) deleteFromBuilder(record.builder, record.name);
    models++;
  }
  return {models, namedModels, kept: pinned?.size ?? 0};
}

/** Drop every model of a tenant's DataSource from its builder and connector. */
export function evictDataSourceModels(dataSource: DataSourceLike): void {
  const builder = dataSource.modelBuilder;
  if (builder === undefined) return;
  const connectorModels = dataSource.connector?._models;
  for (const name of Object.keys(builder.models)) {
    deleteFromBuilder(builder, name);
    delete connectorModels?.[name];
  }
}

/**
 * Evict a named model from its builder and connector, with the anonymous
 * children nobody registered; `false` when the builder no longer maps it.
 */
export function evictNamedModel(
  model: ModelClassLike,
  recordOf: RecordOf,
): boolean {
  const builder = model.modelBuilder;
  if (builder === undefined || builder.models[model.modelName] !== model) {
    return false;
  }
  deleteFromBuilder(builder, model.modelName);
  const connectorModels = model.dataSource?.connector?._models;
  if (connectorModels?.[model.modelName]?.model === model) {
    delete connectorModels[model.modelName];
  }
  evictUnregisteredChildren(model, builder, recordOf, 0);
  return true;
}

function evictUnregisteredChildren(
  model: ModelClassLike,
  builder: ModelBuilderLike,
  recordOf: RecordOf,
  depth: number,
): void {
  if (depth > 32) return;
  for (const child of childModels(model)) {
    if (!child.settings?.anonymous || recordOf(child) !== undefined) continue;
    if (builder.models[child.modelName] !== child) continue;
    deleteFromBuilder(builder, child.modelName);
    evictUnregisteredChildren(child, builder, recordOf, depth + 1);
  }
}

/** The model classes a model's properties use directly (array items too). */
function* childModels(model: unknown): Generator<ModelClassLike> {
  const definition = (model as ModelClassLike | undefined)?.definition;
  const properties = definition?.properties ?? {};
  for (const name in properties) {
    const type = modelTypeOf(properties[name]);
    if (typeof type === 'function' && 'modelName' in type) {
      yield type as unknown as ModelClassLike;
    }
  }
}

function deleteFromBuilder(builder: ModelBuilderLike, name: string): void {
  delete builder.models[name];
  delete builder.definitions[name];
}
