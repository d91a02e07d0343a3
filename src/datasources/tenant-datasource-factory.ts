// Copyright loopback4-tenant-registry contributors. MIT License.

/**
 * Creates a tenant's DataSource, typically from a configuration template
 * with the tenant's database, schema or credentials filled in.
 *
 * @example
 * ```ts
 * const factory: TenantDataSourceFactory = tenantId =>
 *   new juggler.DataSource({...dbConfig, schema: tenantIdentifier('t', tenantId)});
 * ```
 */
export type TenantDataSourceFactory<DS extends object = object> = (
  tenantId: string,
) => DS | Promise<DS>;

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
