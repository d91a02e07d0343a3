// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  resolveTypeNameIn,
  type DataSourceLike,
  type ModelClassLike,
} from '../bridge/juggler-shapes';
import {getCurrentTenant} from '../context/tenant-context';
import {tenantIdentifier} from '../context/tenant-identifier';
import {tenantRequiredError} from '../errors';
import {evictNamedModel} from '../eviction/footprint-release';
import type {ModelRecord} from './model-record';
import type {ModelScope} from './model-scope';
import {computeStructureKey} from './structure-key';

/** A juggler DataSource, as `defineTenantModel` uses it. */
export type ModelDefiningDataSource = DataSourceLike & {
  createModel(name: string, properties: object, settings?: object): unknown;
};

/**
 * `ModelRegistry.defineTenantModel`: the current tenant's model of
 * `baseName`, from its scope while its definition is unchanged.
 *
 * @param scopeOf - The tenant's scope (created when missing).
 * @param maxIdentifierBytes - The identifier limit of model names, in bytes.
 * @internal
 */
export function defineTenantModel(
  dataSource: ModelDefiningDataSource,
  definition: {baseName: string; properties: object; settings?: object},
  scopeOf: (tenantId: string) => ModelScope,
  recordOf: (model: unknown) => ModelRecord | undefined,
  maxIdentifierBytes: number,
): ModelClassLike {
  const {baseName, properties, settings} = definition;
  const tenantId = getCurrentTenant();
  if (tenantId === undefined) throw tenantRequiredError();
  const builder = dataSource.modelBuilder!;
  const name = tenantIdentifier(baseName, tenantId, {
    maxBytes: maxIdentifierBytes,
  });
  // Settings are part of the key: a changed `strict` or table name is a
  // changed model.
  const key = computeStructureKey(
    {properties, settings: settings ?? {}},
    {resolveTypeName: type => resolveTypeNameIn(builder, type)},
  );
  const scope = scopeOf(tenantId);
  const cached = scope.definedModels.get(name);
  const isLive =
    cached !== undefined &&
    cached.builder === builder &&
    builder.models[name] === cached.model;
  if (isLive && cached.key === key) return cached.model;
  if (isLive) {
    // A changed definition (a tenant's custom field): evict the old model
    // before juggler builds the new one under the same name.
    evictNamedModel(cached.model, recordOf);
    scope.untrackModel(cached.model);
  }
  const model = dataSource.createModel(
    name,
    properties,
    settings,
  ) as ModelClassLike;
  scope.trackModel(model);
  scope.definedModels.set(name, {model, builder, key});
  return model;
}
