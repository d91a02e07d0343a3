// Copyright loopback4-tenant-registry contributors. MIT License.

import type {DataSourceLike, ModelClassLike} from '../bridge/juggler-shapes';
import {getCurrentTenant} from '../context/tenant-context';
import {tenantIdentifier} from '../context/tenant-identifier';
import {tenantRequiredError} from '../errors';
import {evictNamedModel} from '../eviction/footprint-eviction';
import {structureKeyIn} from './structure-key';
import type {TenantScopes} from './tenant-scopes';

type ModelDefiningDataSource = DataSourceLike & {
  createModel(name: string, properties: object, settings?: object): unknown;
};

/** `ModelRegistry.defineTenantModel`. */
export function defineTenantModel(
  scopes: TenantScopes,
  dataSource: object,
  definition: {
    baseName: string;
    properties: object;
    settings?: object;
    maxBytes: number;
  },
): ModelClassLike {
  const {baseName, properties, settings, maxBytes} = definition;
  const tenantId = getCurrentTenant();
  if (tenantId === undefined) throw tenantRequiredError();
  const ds = dataSource as ModelDefiningDataSource;
  const builder = ds.modelBuilder!;
  const name = tenantIdentifier(baseName, tenantId, {maxBytes});
  // Settings are part of the key: a changed `strict` or table name is a
  // changed model.
  const key = structureKeyIn(builder, {properties, settings: settings ?? {}});
  const scope = scopes.getOrCreate(tenantId);
  const cached = scope.definedModels.get(name);
  const isLive =
    cached !== undefined &&
    cached.builder === builder &&
    builder.models[name] === cached.model;
  if (isLive && cached.key === key) return cached.model;
  if (isLive) {
    // A changed definition (a tenant's custom field): evict the old model
    // before juggler builds the new one under the same name.
    evictNamedModel(cached.model, scopes.recordOf);
    scope.untrackModel(cached.model);
  }
  const model = ds.createModel(name, properties, settings) as ModelClassLike;
  scope.trackModel(model);
  scope.definedModels.set(name, {model, builder, key});
  return model;
}
