// Copyright loopback4-tenant-registry contributors. MIT License.

import {getCurrentTenant} from '../context/tenant-context';
import {tenantIdentifier} from '../context/tenant-identifier';
import {tenantRequiredError} from '../errors';
import {removeNamedModel} from '../eviction/footprint-release';
import {
  resolveTypeNameIn,
  type DataSourceLike,
  type ModelClassLike,
} from '../bridge/juggler-shapes';
import type {ModelRecord} from './model-record';
import {computeStructureKey} from './structure-key';
import type {ModelScope} from './model-scope';

/** A juggler DataSource, as `defineTenantModel` uses it. */
export type ModelDefiningDataSource = DataSourceLike & {
  createModel(name: string, properties: object, settings?: object): unknown;
};

/**
 * `ModelRegistry.defineTenantModel`: the current tenant's model of
 * `baseName`, from the tenant's cache while its definition is unchanged.
 *
 * @param scopeOf - The tenant's registry (created when missing).
 * @param maxIdentifierBytes - The identifier limit of model names, in bytes.
 * @internal
 */
export function defineTenantModel(
  dataSource: ModelDefiningDataSource,
  baseName: string,
  properties: object,
  settings: object | undefined,
  scopeOf: (tenantId: string) => ModelScope,
  recordOf: (model: unknown) => ModelRecord | undefined,
  maxIdentifierBytes: number,
): ModelClassLike {
  const tenantId = getCurrentTenant();
  if (tenantId === undefined) throw tenantRequiredError();
  const builder = dataSource.modelBuilder!;
  // Injective, also lower-cased (the PostgreSQL connector's table name) and
  // where a database cuts names at the limit: see tenant-identifier.ts.
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
    // The definition changed (a tenant's custom field): release the old
    // model before juggler builds the new one under the same name.
    removeNamedModel(cached.model, recordOf);
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
