// Copyright loopback4-tenant-registry contributors. MIT License.

import {getCurrentTenant} from '../context/tenant-context';
import {tenantRequiredError} from '../errors';
import {removeNamedModel} from '../eviction/footprint-release';
import {
  resolveTypeNameIn,
  type DataSourceLike,
  type ModelClassLike,
} from './juggler-shapes';
import type {ModelRecord} from './model-record';
import {computeStructureKey} from './structure-key';
import type {TenantRegistry} from './tenant-registry';

/** A juggler DataSource, as `defineTenantModel` uses it. */
export type ModelDefiningDataSource = DataSourceLike & {
  createModel(name: string, properties: object, settings?: object): unknown;
};

/**
 * The model name of `baseName` for a tenant: `<baseName>_<encoded id>`, where
 * the encoding is injective and lower case (safe as an SQL identifier, even
 * where names are case-insensitive): lower-case letters and digits stay,
 * `_` becomes `__`, an upper-case letter `X` becomes `_x`, and `.`, `:`, `-`
 * become `_0`, `_1`, `_2`. So `a-b`, `a.b`, `a:b`, `a_b` and `A_b` all get
 * different names.
 *
 * @internal
 */
export function tenantModelName(baseName: string, tenantId: string): string {
  let encoded = '';
  for (const char of tenantId) {
    if (/[a-z0-9]/.test(char)) encoded += char;
    else if (char === '_') encoded += '__';
    else if (/[A-Z]/.test(char)) encoded += `_${char.toLowerCase()}`;
    else encoded += `_${'.:-'.indexOf(char)}`;
  }
  return `${baseName}_${encoded}`;
}

/**
 * `ModelRegistry.defineTenantModel`: the current tenant's model of
 * `baseName`, from the tenant's cache while its definition is unchanged.
 *
 * @param scopeOf - The tenant's registry (created when missing).
 * @internal
 */
export function defineTenantModel(
  dataSource: ModelDefiningDataSource,
  baseName: string,
  properties: object,
  settings: object | undefined,
  scopeOf: (tenantId: string) => TenantRegistry,
  recordOf: (model: unknown) => ModelRecord | undefined,
): ModelClassLike {
  const tenantId = getCurrentTenant();
  if (tenantId === undefined) throw tenantRequiredError();
  const builder = dataSource.modelBuilder!;
  const name = tenantModelName(baseName, tenantId);
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
