// Copyright loopback4-tenant-registry contributors. MIT License.

/**
 * The parts of juggler's `ModelBuilder` this package reads. Structural types
 * keep the core free of a compile-time dependency on juggler.
 */
export interface ModelBuilderLike {
  models: Record<string, unknown>;
  definitions: Record<string, unknown>;
  settings?: {strictEmbeddedModels?: boolean};
}

/** The parts of juggler's `ModelDefinition` this package reads. */
export interface ModelDefinitionLike {
  name: string;
  modelBuilder?: ModelBuilderLike;
  settings?: {anonymous?: boolean};
  properties?: Record<string, {type?: unknown}> | null;
  rawProperties?: Record<string, unknown>;
}

/** The parts of a juggler model class this package reads. */
export interface ModelClassLike {
  modelName: string;
  settings?: {anonymous?: boolean; strict?: unknown};
  definition?: ModelDefinitionLike;
  modelBuilder?: ModelBuilderLike;
  dataSource?: DataSourceLike;
}

/** The parts of juggler's `DataSource` this package uses. */
export interface DataSourceLike {
  modelBuilder?: ModelBuilderLike;
  connector?: {_models?: Record<string, {model?: unknown} | undefined>};
  disconnect?: (...args: unknown[]) => unknown;
}

/**
 * Resolve a type name as juggler's `resolveType` does: built-in schema types
 * case-insensitively, then the builder's models by name.
 *
 * @param builder - A juggler `ModelBuilder`.
 * @param name - A type written as a string.
 */
export function resolveTypeNameIn(
  builder: ModelBuilderLike,
  name: string,
): unknown {
  const schemaTypes = (
    builder.constructor as {schemaTypes?: Record<string, unknown>}
  ).schemaTypes;
  return schemaTypes?.[name.toLowerCase()] ?? builder.models[name];
}

/**
 * The class a property's type names, if it is a function (an array's item
 * type for `[Type]`).
 *
 * @param property - A built property definition (`{type: ...}`).
 */
export function modelTypeOf(property: {type?: unknown} | undefined): unknown {
  const type = property?.type;
  const unwrapped = Array.isArray(type) ? type[0] : type;
  return typeof unwrapped === 'function' ? unwrapped : undefined;
}
