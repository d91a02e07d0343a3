// Copyright loopback4-tenant-registry contributors. MIT License.

import {TenantRegistryError} from '../errors';

/**
 * Creates a tenant's DataSource, typically from a configuration template
 * with the tenant's database, schema or credentials filled in.
 *
 * @remarks
 * A DataSource returned as is belongs to the package: it is disconnected
 * when its tenant is evicted and on `app.stop()`. Return
 * `{dataSource, owned: false}` to lend one the application owns (such as a
 * booted `datasources.db.<id>`): the package then only drops the tenant's
 * models from it and never disconnects it. Throw a `TenantRegistryError`
 * with code `TENANT_NOT_FOUND` for a tenant that does not exist: the request
 * answers 404 with that code, and the next request asks the factory again.
 *
 * @example
 * ```ts
 * const factory: TenantDataSourceFactory = tenantId =>
 *   new juggler.DataSource({...dbConfig, schema: tenantIdentifier('t', tenantId)});
 * ```
 *
 * @example
 * ```ts
 * // The application's own DataSources, lent and never disconnected:
 * const factory: TenantDataSourceFactory = async tenantId => {
 *   const key = `datasources.db.${tenantId}`;
 *   if (!app.isBound(key)) {
 *     throw new TenantRegistryError('TENANT_NOT_FOUND', 'No such tenant.');
 *   }
 *   return {dataSource: await app.get<juggler.DataSource>(key), owned: false};
 * };
 * ```
 */
export type TenantDataSourceFactory<DS extends object = object> = (
  tenantId: string,
) =>
  | DS
  | {dataSource: DS; owned: boolean}
  | Promise<DS | {dataSource: DS; owned: boolean}>;

/** A factory, or where to look it up when first needed (bound after start). */
export type FactorySource<DS extends object> =
  | TenantDataSourceFactory<DS>
  | {get(): Promise<TenantDataSourceFactory<DS> | undefined>};

export async function resolveFactory<DS extends object>(
  source: FactorySource<DS>,
): Promise<TenantDataSourceFactory<DS>> {
  const factory = typeof source === 'function' ? source : await source.get();
  if (factory !== undefined) return factory;
  throw new Error(
    'TenantRegistryBindings.TENANT_DATASOURCE needs a factory: bind a ' +
      'function (tenantId) => DataSource at ' +
      'TenantRegistryBindings.DATASOURCE_FACTORY.',
  );
}

/** What a factory returned: the DataSource, and whether the pool owns it. */
export function unwrapFactoryResult<DS extends object>(
  result: DS | {dataSource: DS; owned: boolean},
): {dataSource: DS; isOwned: boolean} {
  const {dataSource, owned} = result as {dataSource?: DS; owned?: unknown};
  // A DataSource has no `owned` flag: only the wrapper has one.
  if (typeof owned !== 'boolean')
    return {dataSource: result as DS, isOwned: true};
  if (typeof dataSource !== 'object' || dataSource === null) {
    throw new Error('the factory returned {owned} without a dataSource');
  }
  return {dataSource, isOwned: owned};
}

/** The factory said the tenant does not exist: a 404, not a failure. */
export function isTenantNotFound(error: unknown): boolean {
  return (
    error instanceof TenantRegistryError && error.code === 'TENANT_NOT_FOUND'
  );
}
